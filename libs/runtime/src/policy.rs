//! Who may call what: one table of every RPC of the suite and the roles that may call it, applied
//! to every call before any state is read (in [`crate::access`]). What a role may see inside an
//! RPC is its scope, the same for every RPC unless the table says otherwise:
//! - an enterprise: its own records and ledgers;
//! - a township officer: their township;
//! - an inspector, a bureau administrator, a government system: their district.
//!
//! The domain still decides each command on its merits (who may verify which hazard, say); the
//! table keeps a role away from an RPC it has no business calling at all. A rule names only roles
//! that can succeed: one the domain refuses whatever the record (a government system on a
//! registry write, a township officer on a record kept at the district's code) is left out, so
//! it is refused here, ROLE_NOT_ALLOWED, before anything is read. An RPC missing from the table is
//! refused to everyone, and a test walks every RPC the server offers against it.

use hl_proto::common::v1::Role;

/// Roles as bits of a rule.
const E: u8 = 1 << 0;
const I: u8 = 1 << 1;
const T: u8 = 1 << 2;
const A: u8 = 1 << 3;
const S: u8 = 1 << 4;
/// The government side: the people who decide.
const GOVERNMENT: u8 = I | T | A;
/// The government side working on records kept at the district's code (plans, shelters, teams,
/// committee items, case-file reviews, alarm devices): a township officer's jurisdiction is their
/// township, which never covers the district's code, so they are left out.
const DISTRICT_OFFICERS: u8 = I | A;
/// Everyone who reads the ledgers.
const READERS: u8 = E | I | T | A | S;
/// Who keeps the registry: a bureau administrator, a township officer for the township. Not an
/// inspector, nor a government system: a system writes only sensor hazards and device readings.
const REGISTRARS: u8 = T | A;

/// What a role may see inside an RPC it is allowed to call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Its own records (an enterprise), its township or its district (see the module doc).
    Jurisdiction,
    /// A person's record: bureau administrators of the district, and the person themself.
    AdministratorOrSelf,
}

/// One RPC and who may call it.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Full method, "package.Service/Method".
    pub method: &'static str,
    roles: u8,
    pub scope: Scope,
}

impl Rule {
    pub fn allows(&self, role: Role) -> bool {
        let bit = match role {
            Role::Enterprise => E,
            Role::Inspector => I,
            Role::TownshipOfficer => T,
            Role::BureauAdministrator => A,
            Role::System => S,
            Role::Unspecified => 0,
        };
        self.roles & bit != 0
    }
}

/// Services anyone may call: health and server reflection.
const PUBLIC_SERVICES: &[&str] = &[
    "grpc.health.v1.Health/",
    "grpc.reflection.v1.ServerReflection/",
    "grpc.reflection.v1alpha.ServerReflection/",
];

/// The methods of the public services.
const PUBLIC_METHODS: &[&str] = &[
    "grpc.health.v1.Health/Check",
    "grpc.health.v1.Health/Watch",
    "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
];

/// The name a called path is counted under in the metrics: the method itself when the suite
/// serves it, "unknown" for anything else, so that made-up paths cannot grow the metrics
/// without bound.
pub fn metric_name(method: &str) -> &str {
    if rule(method).is_some() || PUBLIC_METHODS.contains(&method) {
        method
    } else {
        "unknown"
    }
}

/// Whether a method needs no caller at all.
pub fn is_public(method: &str) -> bool {
    PUBLIC_SERVICES
        .iter()
        .any(|service| method.starts_with(service))
}

/// The rule of a method ("package.Service/Method"), if the table has one.
pub fn rule(method: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.method == method)
}

/// Every rule, for tests and documentation.
pub fn rules() -> &'static [Rule] {
    RULES
}

const fn allow(method: &'static str, roles: u8) -> Rule {
    Rule {
        method,
        roles,
        scope: Scope::Jurisdiction,
    }
}

static RULES: &[Rule] = &[
    // Hazards: the enterprise's own ledger steps, the government side's decisions.
    allow(
        "hazard_ledger.hazards.v1.HazardsService/ReportHazard",
        E | GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/GradeHazard",
        E | GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/PlanRectification",
        E,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/OrderRectification",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/SubmitRemediationPlan",
        E,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/FixHazardOnSpot",
        E | GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/ClaimRectification",
        E,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/VerifyRectification",
        E | GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RejectRectification",
        E | GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RequestExtension",
        E,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/DecideExtension",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/CloseHazard",
        E | GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/MarkHazardListed",
        A,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/MarkHazardDelisted",
        A,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/SuspendOperations",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RequestResumption",
        E,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/DecideResumption",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/ConfirmCounterpartMatch",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RejectCounterpartMatch",
        GOVERNMENT,
    ),
    allow("hazard_ledger.hazards.v1.HazardsService/GetHazard", READERS),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/OpenSelfCheckRound",
        E,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RecordSelfCheckFinding",
        E,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/SubmitSelfCheckRound",
        E,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/ReviewSelfCheckRound",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/GetSelfCheckRound",
        READERS,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/SubmitPeriodicStatistics",
        E,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/GetPeriodicStatistics",
        READERS,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/IssueSupervisionOrder",
        A,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/DecomposeSupervisionOrder",
        A,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/ReportSubTaskProgress",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RequestSupervisionAcceptance",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RejectSupervisionAcceptance",
        A,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/DelistSupervisionOrder",
        A,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/EscalateSupervisionOrder",
        A,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/GetSupervisionOrder",
        GOVERNMENT | S,
    ),
    // Alarm devices are kept at the district's code: the enterprise, the district's officers,
    // and a government system's readings.
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RegisterAlarmDevice",
        E | DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RecordAlarmDeviceTest",
        E | DISTRICT_OFFICERS | S,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/RetireAlarmDevice",
        E | DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/GetAlarmDevice",
        READERS,
    ),
    allow(
        "hazard_ledger.hazards.v1.HazardsService/ImportPastLedger",
        A,
    ),
    // Enforcement: inspections and cases are the government side's; the party may ask for a
    // hearing; longer clocks and decisions are a bureau administrator's.
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/ScheduleInspection",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/StartInspection",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/RecordFinding",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/IssueRectificationOrder",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/CompleteInspection",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/RecordFollowUp",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/GetInspection",
        READERS,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/FileCase",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/StartInvestigation",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/CompleteLegalReview",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/ServeNotice",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/HoldHearing",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/StartAppraisal",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/FinishAppraisal",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/ServeDecision",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/RecordExecution",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/CloseCase",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/ArchiveCase",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/RequestHearing",
        E | GOVERNMENT,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/ApproveExtension",
        A,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/DecideCase",
        A,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/GetPenaltyCase",
        READERS,
    ),
    // Classification and the annual plan: the bureau's; read by the government side (an
    // enterprise reads its own classification).
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/ClassifyEnterprise",
        A,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/DraftInspectionPlan",
        A,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/ApproveInspectionPlan",
        A,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/FileInspectionPlan",
        A,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/GetClassification",
        READERS,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/GetInspectionPlan",
        GOVERNMENT | S,
    ),
    // Case-file review: drawn and published by the bureau, scored by the assigned reviewer.
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/DrawCaseFiles",
        A,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/PublishCaseFileReview",
        A,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/ScoreCaseFile",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.enforcement.v1.EnforcementService/GetCaseFileReview",
        GOVERNMENT | S,
    ),
    // 定人定责: kept by registrars (a township officer in their township); read by government.
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/AssignResponsibility",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/EndAssignment",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/GetResponsibilities",
        GOVERNMENT | S,
    ),
    // The committee's lists: listed, assigned and closed out by the bureau; worked on by the
    // district's officers (an item is the district's, outside a township officer's township).
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/ListSafetyItem",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/AssignSubTask",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/RejectCloseOut",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/ApproveCloseOut",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/AcceptSafetyItem",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/ReportSafetyItemProgress",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/CompleteSubTask",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/RequestCloseOut",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/GetSafetyItem",
        GOVERNMENT | S,
    ),
    // Months of duty are closed by the bureau.
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/CloseDutyPeriod",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/GetDutyPeriod",
        GOVERNMENT | S,
    ),
    // Bulletins and accountability: decided by the bureau.
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/IssueOverdueBulletins",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/OpenAccountabilityCase",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/DismissAccountabilityCase",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/ConcludeAccountabilityCase",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/GetAccountabilityCase",
        GOVERNMENT | S,
    ),
    // Township emergency centres: established by the bureau, kept by registrars, checked by
    // the government side.
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/EstablishEmergencyCentre",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/SetCentreStaff",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/SetCentreRoster",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/RecordCentreEquipment",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/RecordReadinessCheck",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/GetEmergencyCentre",
        GOVERNMENT | S,
    ),
    // Evaluations: opened, scored and published by the bureau.
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/OpenEvaluation",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/EnterEvaluationScore",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/PublishEvaluation",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.ResponsibilityService/GetEvaluation",
        GOVERNMENT | S,
    ),
    // Emergency plans, drills, shelters, teams, training and accidents: records of the district,
    // kept by the district's officers; plans approved by the bureau.
    allow(
        "hazard_ledger.plans.v1.PlansService/DraftPlan",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/SubmitPlanForReview",
        DISTRICT_OFFICERS,
    ),
    allow("hazard_ledger.plans.v1.PlansService/ApprovePlan", A),
    allow(
        "hazard_ledger.plans.v1.PlansService/PublishPlan",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/FilePlan",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/ActivatePlan",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/EvaluatePlan",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/StartPlanRevision",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetPlan",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RecordDrill",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetDrill",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RegisterShelter",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/CertifyShelter",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/OpenShelter",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/ReportShelterOccupancy",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/CloseShelter",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetShelter",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/EstablishRescueTeam",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/SetTeamRoster",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RecordTeamEquipment",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RecordTeamTraining",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/CheckTeamReadiness",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/DisbandRescueTeam",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetRescueTeam",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/OpenTrainingCampaign",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RecordTrainingSession",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetTrainingCampaign",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RecordAccident",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/ReviseAccidentFigures",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetAccident",
        GOVERNMENT | S,
    ),
    // Typhoon season and the district's figures: kept by the district's officers; a township
    // officer checks five-stop compliance, key vessels and command readiness in their township.
    allow(
        "hazard_ledger.plans.v1.PlansService/DeclareDisasterEvent",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/ChangeResponseLevel",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/ReportDisasterSituation",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/InvolveInDisasterEvent",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/CloseDisasterEvent",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/IssueFiveStopOrder",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/AmendFiveStopOrder",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/LiftStopMeasure",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RecordStopExemption",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RecordComplianceCheck",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RegisterKeyVessel",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RecordVesselMeasure",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/CheckVessel",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetDisasterEvent",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetFiveStopOrder",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetKeyVessel",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/RecordAnnualGdp",
        DISTRICT_OFFICERS,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetAnnualGdp",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/CheckCommandReadiness",
        GOVERNMENT,
    ),
    allow(
        "hazard_ledger.plans.v1.PlansService/GetCommandReadiness",
        GOVERNMENT | S,
    ),
    // The registry: kept by registrars; an enterprise reads its own record and the areas.
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/RegisterEnterprise",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/UpdateEnterprise",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/ChangeEnterpriseStatus",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/GetEnterprise",
        READERS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/ListEnterprises",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/ImportEnterprises",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/CreateAdminArea",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/UpdateAdminArea",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/GetAdminArea",
        READERS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/ListAdminAreas",
        READERS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/CreateGridCell",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/UpdateGridCell",
        REGISTRARS,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/GetGridCell",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/ListGridCells",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/CreateOrgUnit",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/UpdateOrgUnit",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/GetOrgUnit",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/ListOrgUnits",
        GOVERNMENT | S,
    ),
    // People records carry certificate and phone numbers.
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/CreatePerson",
        A,
    ),
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/UpdatePerson",
        A,
    ),
    Rule {
        method: "hazard_ledger.responsibility.v1.RegistryService/GetPerson",
        roles: GOVERNMENT,
        scope: Scope::AdministratorOrSelf,
    },
    allow(
        "hazard_ledger.responsibility.v1.RegistryService/ListPersons",
        A,
    ),
    // The two ledgers, each role within its scope.
    allow("hazard_ledger.ledger.v1.LedgerService/ListHazards", READERS),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/GetEnterpriseLedgers",
        READERS,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListSelfCheckRounds",
        READERS,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListSupervisionOrders",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListMatchProposals",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListDiscrepancies",
        READERS,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/GetReconciliationSummary",
        READERS,
    ),
    allow("hazard_ledger.ledger.v1.LedgerService/ExplainRate", READERS),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListInspections",
        READERS,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListPenaltyCases",
        READERS,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/GetPlanCoverage",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListCaseFileGrades",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListResponsibilityGaps",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListSafetyItems",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListDutyShortfalls",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListAccountabilityCases",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListEmergencyCentres",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/GetEvaluationTable",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListPlans",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListDrillShortfalls",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListDrills",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/ListShelters",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/GetTeamCoverage",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/GetTrainingTotals",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/GetAccidentTotals",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/GetDisasterResponse",
        GOVERNMENT | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.LedgerService/GetTargets",
        GOVERNMENT | S,
    ),
    // Operating the read models.
    allow(
        "hazard_ledger.ledger.v1.ProjectionAdminService/GetProjectionStatus",
        A | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.ProjectionAdminService/RebuildProjections",
        A,
    ),
    allow(
        "hazard_ledger.ledger.v1.ProjectionAdminService/GetFederationCompleteness",
        A | S,
    ),
    allow(
        "hazard_ledger.ledger.v1.ProjectionAdminService/GetOutboundStatus",
        A | S,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_of_one_method_and_allows_someone() {
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.method), "{} twice", rule.method);
            assert!(rule.roles != 0, "{} allows no one", rule.method);
            assert!(rule.method.contains('/'), "{}", rule.method);
        }
        assert!(is_public("grpc.health.v1.Health/Check"));
        assert!(!is_public(
            "hazard_ledger.hazards.v1.HazardsService/GetHazard"
        ));
    }

    /// Whether a method only reads (ListSafetyItem lists an item on the committee's list: a write).
    fn reads(method: &str) -> bool {
        let name = method.rsplit('/').next().unwrap_or_default();
        name != "ListSafetyItem"
            && ["Get", "List", "Explain"]
                .iter()
                .any(|verb| name.starts_with(verb))
    }

    /// The writes a role is admitted to, in the table's order.
    fn writes(role: Role, service: &str) -> Vec<&'static str> {
        RULES
            .iter()
            .filter(|rule| rule.method.starts_with(service))
            .filter(|rule| rule.allows(role) && !reads(rule.method))
            .map(|rule| rule.method)
            .collect()
    }

    #[test]
    fn a_government_system_writes_only_what_a_sensor_platform_does() {
        assert_eq!(
            writes(Role::System, "hazard_ledger."),
            [
                "hazard_ledger.hazards.v1.HazardsService/ReportHazard",
                "hazard_ledger.hazards.v1.HazardsService/RecordAlarmDeviceTest",
            ]
        );
    }

    #[test]
    fn a_township_officer_writes_only_the_plans_records_of_their_township() {
        let service = "hazard_ledger.plans.v1.PlansService/";
        assert_eq!(
            writes(Role::TownshipOfficer, service),
            [
                "RecordComplianceCheck",
                "RecordVesselMeasure",
                "CheckVessel",
                "CheckCommandReadiness",
            ]
            .map(|method| format!("{service}{method}"))
        );
    }

    #[test]
    fn only_served_methods_are_counted_by_name() {
        for served in [
            "hazard_ledger.hazards.v1.HazardsService/GetHazard",
            "grpc.health.v1.Health/Check",
        ] {
            assert_eq!(metric_name(served), served);
        }
        for made_up in [
            "hazard_ledger.hazards.v1.HazardsService/GetHazardX",
            "grpc.health.v1.Health/Anything",
            "x/y",
            "",
        ] {
            assert_eq!(metric_name(made_up), "unknown");
        }
    }
}
