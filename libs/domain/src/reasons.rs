//! The catalog of machine-readable error reasons: every `google.rpc.ErrorInfo.reason` the API
//! sends, with the gRPC status code it comes with and what it tells the caller. Call sites name a
//! constant from here instead of a string, so that the compiler keeps them and the generated API
//! reference (which lists [`ALL`]) in step.

/// A machine-readable reason: what ErrorInfo.reason carries, the gRPC status it comes with,
/// and what it tells the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reason {
    /// UPPER_SNAKE, as sent in ErrorInfo.reason.
    pub name: &'static str,
    /// The canonical name of the gRPC status code it is sent with, e.g. "FAILED_PRECONDITION".
    pub code: &'static str,
    /// What happened and what the caller can do about it: one or two sentences, ending in a period.
    pub meaning: &'static str,
}

/// Defines one constant per reason, named as the reason is sent (so the name is written once),
/// and [`ALL`] listing them in the order given: grouped by code.
macro_rules! reasons {
    ($($code:literal { $($(#[$attribute:meta])* $name:ident => $meaning:literal,)* })*) => {
        $($(
            $(#[$attribute])*
            #[doc = $meaning]
            pub const $name: Reason = Reason {
                name: stringify!($name),
                code: $code,
                meaning: $meaning,
            };
        )*)*

        /// Every reason the API sends, grouped by gRPC code and sorted by name within a code.
        pub const ALL: &[Reason] = &[$($($name,)*)*];
    };
}

// One group per gRPC code in use, in the order of `ErrorCode` (libs/runtime/src/error.rs); each
// code's generic reason (what `ErrorCode::default_reason` gives an error that names none) is
// listed under it with the specific ones. INVALID_ARGUMENT has none: it carries BadRequest
// field violations instead of an ErrorInfo.
reasons! {
    "FAILED_PRECONDITION" {
        ACCIDENT_FIGURES_UNCHANGED => "The revision gives the accident the figures it already has, \
            so there is nothing to revise.",
        ACCOUNTABILITY_STEP_OUT_OF_ORDER => "The accountability case is not in the status this \
            step needs: a proposed case is opened or dismissed, an opened one concluded. Read the \
            case to see its status.",
        ALARM_DEVICE_RETIRED => "The alarm device is retired, so nothing more is recorded on it.",
        ALREADY_INVOLVED => "A resource named is already involved in the disaster event; name only \
            resources not yet involved.",
        APPRAISAL_UNDER_WAY => "An appraisal (鉴定) of the penalty case is under way, so its legal \
            review is not completed, the case not decided and no other appraisal started; finish \
            the appraisal first.",
        AREA_COVERED => "An area named is already covered by the five-stop order, or is named \
            twice in the request; name each new area once.",
        ASSIGNMENT_ENDED => "The assignment already ends on or before the day asked. An end only \
            shortens an assignment, since lengthening it would rewrite who answered on days \
            already past.",
        ASSIGNMENT_EXISTS => "An assignment with this id already exists for the object; choose \
            another assignment id.",
        ASSIGNMENT_OVERLAPS => "Another assignment holds one of the same duties over an \
            overlapping period; end that assignment first, or start this one after it ends.",
        CASE_NOT_CLOSABLE => "A penalty case closes only once its decision is served without a \
            fine, or its fine is paid in full or sent for compulsory execution; a case \
            before that, or already closed, does not close. Read the case and take the step it \
            awaits.",
        CASE_STEP_OUT_OF_ORDER => "The penalty case is not in the status this step needs, since \
            its procedure runs in order from filing to archiving. Read the case to see its status \
            and take the step it awaits.",
        COUNTERPART_ALREADY_MATCHED => "The hazard is already matched with another counterpart in \
            the other ledger; reject that match first.",
        DISASTER_EVENT_CLOSED => "The disaster event is closed, so nothing more is recorded under \
            it and its key-vessel watch is over.",
        DUTY_PERIOD_CLOSED => "The month of duties is already closed.",
        DUTY_PERIOD_NOT_OVER => "A month of duties is closed only after its last day; close it \
            once the month is over.",
        ENTERPRISE_CLOSED => "The enterprise is closed: no new records are kept for it and its \
            registry entry no longer changes.",
        ENTERPRISE_STATUS_TRANSITION => "The enterprise cannot go straight to the status asked: a \
            registered enterprise becomes active, an active one may be suspended and made active \
            again, and any of them may close.",
        ENTERPRISE_UNKNOWN => "The enterprise is not in the registry, so no record is kept for it; \
            register it first.",
        EVALUATION_PERIOD_NOT_OVER => "An evaluation is published only after its period has ended, \
            so that its figures are complete; publish it then.",
        EVALUATION_PUBLISHED => "The evaluation is published, so its scores no longer change and \
            it is not published again.",
        EXTENSION_ALREADY_PENDING => "An extension request for the hazard already awaits a \
            decision; wait for it before asking again.",
        EXTENSION_LIMIT => "The extension would take the penalty case past the extra days its \
            rules allow in all; approve no more days than are left.",
        EXTENSION_NOT_APPLICABLE => "The enterprise set the hazard's deadline itself, in its \
            rectification plan, so there is no ordered deadline to extend; revise the \
            rectification plan instead.",
        FAILED_PRECONDITION => "The state of the resource forbids the command now. The generic \
            reason, for a refusal that names no more specific one.",
        FILES_NOT_SCORED => "Some case files drawn for the review are not scored yet; the review \
            is published once every file is scored.",
        FILE_ALREADY_SCORED => "The case file is already scored in this review; a file is scored \
            once.",
        FINDING_NOT_IN_ENTERPRISE_LEDGER => "The hazard is not a self-check entry of the round's \
            enterprise, and a self-check round lists only those; name one of the enterprise's own \
            self-check entries.",
        FOLLOW_UP_ALREADY_RECORDED => "The follow-up of the finding is already recorded; a finding \
            is followed up once.",
        FOLLOW_UP_NOT_FAILED => "A penalty case is filed from a finding only when the follow-up of \
            its rectification order failed, and this finding has no failed follow-up.",
        GDP_UNCHANGED => "The year's GDP already has this figure and source, so there is nothing \
            to revise.",
        HAZARD_ALREADY_LISTED => "The hazard is already listed (挂牌) under another supervision \
            order; a hazard is listed under one order at a time.",
        HAZARD_ALREADY_RESOLVED => "The hazard is already verified or was fixed on the spot, so \
            its grade no longer changes.",
        HAZARD_CLOSED => "The hazard is closed out, so nothing more is recorded on it.",
        HAZARD_DEADLINE_SET_BY_ORDER => "The deadline of this hazard is set by the government (it \
            is a government finding, or a rectification order set it), not by the enterprise's own \
            plan. The government sets it by a rectification order, and an ordered deadline moves \
            only by an extension request.",
        HAZARD_LISTED => "A listed (挂牌) hazard stays 重大 (major) until it is delisted; grade it \
            lower after that.",
        HAZARD_LISTED_UNDER_ANOTHER_ORDER => "The hazard is listed under a different supervision \
            order from the one named, so this order does not delist it.",
        HAZARD_MAJOR_CANNOT_BE_FIXED_ON_SPOT => "A 重大 (major) hazard is not fixed on the spot: \
            it needs a remediation plan (治理方案), a rectification and its verification.",
        HAZARD_NOT_AWAITING_VERIFICATION => "The hazard is not awaiting verification, so there is \
            no rectification claim to verify or reject; the enterprise claims its rectification \
            first.",
        HAZARD_NOT_FIXABLE_ON_SPOT => "A hazard is fixed on the spot only while it is reported or \
            graded, before a rectification is under way.",
        HAZARD_NOT_GRADED => "The hazard is not graded yet; grade it 一般 (general) or 重大 \
            (major) first.",
        HAZARD_NOT_LISTED => "The hazard is not listed (挂牌), so there is nothing to delist.",
        HAZARD_NOT_MAJOR => "Only a 重大 (major) hazard takes a remediation plan (治理方案), is \
            listed (挂牌) or has its operations suspended, and this one is not major.",
        HAZARD_NOT_RECTIFIABLE => "The hazard is past rectification (its rectification is claimed \
            or verified, or it was fixed on the spot), so a rectification plan, rectification \
            order or remediation plan no longer applies.",
        HAZARD_NOT_RECTIFYING => "The hazard is not under rectification (it has no deadline yet, \
            or its rectification is already claimed or verified, or it was fixed on the spot), so \
            no rectification is claimed and no extension requested.",
        HAZARD_NOT_REMEDIATED => "Operations resume only after the hazard's rectification is \
            claimed; claim it before requesting resumption.",
        HAZARD_NOT_VERIFIED => "The hazard is not verified: it is closed out only once verified or \
            fixed on the spot, and its suspended operations resume only once it is verified. \
            Verify the rectification first.",
        HAZARD_STILL_LISTED => "A listed (挂牌) hazard is delisted (摘牌) before it is closed out.",
        INSPECTION_NOT_COMPLETED => "A follow-up is recorded only once the inspection is \
            completed.",
        INSPECTION_NOT_IN_PROGRESS => "The inspection is not in progress: findings are recorded \
            and the inspection is completed only while it is in progress, and orders are issued \
            only once it has started.",
        INSPECTION_NOT_SCHEDULED => "The inspection has already started, so it is not started \
            again.",
        LEDGER_NOT_CONFIGURED => "This deployment has no ledger to read an evaluation's totals \
            from (HL_LEDGER_URL is not set), so it does not publish evaluations; an operator must \
            configure it.",
        LISTED_HAZARDS_NOT_VERIFIED => "A supervision order is delisted (摘牌) only once every \
            hazard listed under it is verified; verify the others first.",
        MATCH_DECIDED_ON_GOVERNMENT_SIDE => "A two-ledger match is confirmed or rejected on the \
            government-side hazard of the pair, not on the enterprise's self-check entry; send the \
            decision there.",
        MEASURE_ALREADY_LIFTED => "The five-stop order already lifted this measure, so it is not \
            lifted again or exempted from.",
        MEASURE_IN_ORDER => "The five-stop order already started a measure the amendment adds; add \
            only measures it has not started.",
        MEASURE_NOT_STARTED => "The five-stop order never started this measure, so it is not \
            lifted or exempted from.",
        NOTHING_TO_EXECUTE => "The penalty case's decision carries no fine, so there is no \
            execution to record; close the case once the decision is served.",
        NOT_A_PROVINCE => "This projections service follows no districts (HL_PROVINCE_DISTRICTS \
            is unset), so it has no federation to audit; ask the province's service.",
        NOT_CENTRE_STAFF => "The roster names a person who is not on the emergency centre's staff; \
            set the staff to include them first.",
        NO_APPRAISAL_OPEN => "No appraisal of the penalty case is under way, so there is none to \
            finish.",
        NO_CASE_FILES => "No penalty case of the year is closed yet, so there is no case file to \
            draw for review.",
        NO_EXTENSION_PENDING => "No extension request for the hazard awaits a decision.",
        NO_HEARING_OFFERED => "The notice served in the penalty case offered no hearing (听证), so \
            none is requested.",
        NO_INDEPENDENT_REVIEWER => "For one of the drawn case files, every reviewer named belongs \
            to a unit that handled it, so nobody reviews it independently; name reviewers from \
            other units.",
        NO_ORDER_TO_FOLLOW_UP => "The finding has no rectification order, so there is nothing to \
            follow up; issue the order first.",
        NO_RESPONSE_IN_FORCE => "A five-stop order is issued under a disaster event's response \
            level, and the event named has none in force.",
        NO_SUCH_DRILL_FINDING => "A revision triggered by a drill finding cites a finding, from a \
            drill of this plan, that requires revision; the finding cited is not one.",
        NO_UNITS => "The district has no township in the registry to evaluate; register its \
            townships before opening an evaluation.",
        NO_VESSEL_MEASURE => "A key vessel is checked secured only after a measure is recorded for \
            it in that disaster event; record the measure first.",
        OFFICER_CERTIFICATE_INVALID => "An officer named is not in the registry, has left, or \
            holds no enforcement certificate (执法证) valid on the day; name officers with a valid \
            certificate.",
        OPERATIONS_ALREADY_SUSPENDED => "Operations at the hazard are already suspended.",
        OPERATIONS_NOT_SUSPENDED => "Operations at the hazard are not suspended, so there is \
            nothing to resume.",
        ORDER_ALREADY_ISSUED => "The finding already has its rectification order; a finding gets \
            one order.",
        ORDER_LIFTED => "The five-stop order is lifted, so it is no longer amended, lifted, \
            exempted from or checked for compliance.",
        OUTBOUND_OFF => "This projections service runs no outbound feeds (neither HL_OUTBOUND_DIR \
            nor HL_OUTBOUND_URL is set), so there is no delivery to report.",
        PERSON_INACTIVE => "The person has left, so no responsibility is assigned to them.",
        PERSON_NOT_REGISTERED => "The person is not in the registry; register them before \
            assigning them a responsibility.",
        PLAN_NOT_IN_FORCE => "An inspection carries out an approved or filed inspection plan, and \
            the plan named is neither; have the plan approved first.",
        PLAN_OVER_CAPACITY => "The inspection plan's targets need more visits a year than its \
            officers' inspection days allow; plan fewer visits or more capacity.",
        PLAN_STEP_OUT_OF_ORDER => "The plan (an emergency plan or an inspection plan) is not in \
            the status this step needs, since its steps go in order. Read the plan to see its \
            status.",
        REBUILD_RUNNING => "A rebuild of the read models is already running; watch its progress \
            with GetProjectionStatus instead of starting another.",
        RECTIFICATION_NOT_REPORTED => "A follow-up passes only once the enterprise has reported \
            the hazard rectified, so that it awaits verification; record the passed follow-up \
            after that report.",
        REGISTRATION_NUMBER_HELD => "The registration number is held by another key vessel, \
            named in the message (numbers compare without whitespace, full-width forms or case); \
            one vessel is registered once: use that vessel.",
        REMEDIATION_PLAN_REQUIRED => "The rectification of a 重大 (major) hazard is claimed only \
            after its remediation plan (治理方案) is submitted; submit it first.",
        REQUEST_OUTCOME_FORGOTTEN => "The request_id was recorded on this resource so many \
            commands ago that its outcome is no longer kept, and nothing new was recorded; read \
            the resource to see its state.",
        RESPONSE_LEVEL_UNCHANGED => "The disaster event is already at this response level.",
        RESUMPTION_ALREADY_REQUESTED => "A resumption request already awaits its on-site review; \
            wait for the decision.",
        RESUMPTION_NOT_REQUESTED => "No resumption request awaits a decision.",
        REVIEW_PUBLISHED => "The case-file review is published, so its files are no longer scored \
            and it is not published again.",
        SAFETY_ITEM_CLOSED_OUT => "The safety item is closed out (销号), so nothing more is \
            recorded on it.",
        SAFETY_ITEM_STEP_OUT_OF_ORDER => "The safety item is not in the status this step needs, \
            since it goes from listed to accepted, in progress and close-out requested. Read the \
            item to see its status.",
        SCORES_MISSING => "Some items of the evaluation sheet that are entered by hand have no \
            score yet for some unit; enter them before publishing.",
        SELF_CHECK_ROUND_NOT_SUBMITTED => "The self-check round is not submitted yet; it is \
            reviewed once the enterprise submits it.",
        SELF_CHECK_ROUND_REVIEWED => "The self-check round is already reviewed; a round is \
            reviewed once.",
        SELF_CHECK_ROUND_SUBMITTED => "The self-check round is already submitted, so it takes no \
            more findings and is not submitted again.",
        SESSION_RECORDED => "A training session with this id is already recorded in the campaign.",
        SHELTER_CERTIFIED => "The shelter is already certified; a certification is recorded once.",
        SHELTER_NOT_OPEN => "The shelter is not open, so no occupancy is reported and it is not \
            closed.",
        SHELTER_OPEN => "The shelter is already open.",
        STATISTICS_PERIOD_NOT_ENDED => "Periodic hazard statistics are submitted only after the \
            period's last day; submit them once it has ended.",
        SUB_TASKS_INCOMPLETE => "Acceptance of a supervision order is requested only once every \
            sub-task is completed; complete the others first.",
        SUB_TASKS_OPEN => "A safety item's close-out (销号) is asked for only once every sub-task \
            is done; finish the others first.",
        SUB_TASK_COMPLETED => "The supervision order's sub-task is already completed, so no more \
            progress is reported on it.",
        SUB_TASK_DONE => "The safety item's sub-task is already done.",
        SUB_TASK_EXISTS => "The safety item already has a sub-task with this id; choose another \
            id.",
        SUPERVISION_ACCEPTANCE_NOT_REQUESTED => "No acceptance of the supervision order is \
            requested, so there is none to reject and the order is not delisted (摘牌); request \
            acceptance first.",
        SUPERVISION_ORDER_DELISTED => "The supervision order is delisted (摘牌), so it is no \
            longer escalated and no hazard is listed (挂牌) under it.",
        SUPERVISION_ORDER_NOT_IN_PROGRESS => "The supervision order awaits its acceptance or is \
            delisted (摘牌), so its sub-tasks no longer change and acceptance is not requested \
            again.",
        SUPERVISION_ORDER_NOT_OVERDUE => "A supervision order is escalated only when it, or one of \
            its sub-tasks, is overdue.",
        TEAM_DISBANDED => "The rescue team is disbanded, so nothing more is recorded on it.",
        TOTALS_INCOMPLETE => "The totals the ledger computed for the evaluation miss a unit, count \
            one more than once, or name a unit not evaluated or a total outside the sheet's marks, \
            so nothing is published from them.",
        UNKNOWN_RULE_VERSION => "The record was made under a version of the rules that this server \
            build does not know, so it cannot act on the record; an operator must deploy a build \
            that knows that version.",
        ZERO_FINDINGS_ATTESTATION_REQUIRED => "A self-check round without findings is submitted \
            with the signed zero-findings statement (零隐患); attest it, or record the findings \
            first.",
        ZERO_FINDINGS_CONTRADICTED => "The self-check round recorded findings, so it does not \
            attest zero findings; submit it without the attestation.",
    }
    "NOT_FOUND" {
        NOT_FOUND => "The resource named does not exist, or it is another enterprise's, which an \
            enterprise is answered exactly as a missing one; the ErrorInfo metadata `resource` \
            names it.",
    }
    "ALREADY_EXISTS" {
        ALREADY_EXISTS => "The resource the command would create already exists; the ErrorInfo \
            metadata `resource` names it. Read it, or create the new one under another id.",
    }
    "ABORTED" {
        CONCURRENT_MODIFICATION => "The resource kept changing concurrently while the command was \
            decided, over several attempts, and nothing was recorded; retry with the same \
            request_id.",
    }
    "PERMISSION_DENIED" {
        BUREAU_ROLE_REQUIRED => "Only a bureau administrator (the 安委会 level) may do this.",
        DEVICE_RETIREMENT_NEEDS_GOVERNMENT => "An alarm device that failed its test, or has no \
            evidenced test, is retired only by the government side, which accepts the retirement; \
            ask an officer covering the enterprise.",
        ENTERPRISE_CANNOT_DOWNGRADE_MAJOR => "An enterprise may not downgrade a 重大 (major) \
            hazard; the government side regrades it.",
        ENTERPRISE_CANNOT_GRADE_GOVERNMENT_FINDING => "A hazard the government side found is \
            graded by the government side, not by the enterprise.",
        ENTERPRISE_CANNOT_VERIFY => "An enterprise verifies, rejects or closes out only its own \
            self-check hazards graded 一般 (general) with a deadline it set itself; the government \
            side does so for every other hazard.",
        ENTERPRISE_ONLY => "Only the enterprise the record belongs to may do this, acting for \
            itself.",
        GOVERNMENT_ROLE_REQUIRED => "Only the government side (an inspector, township officer or \
            bureau administrator) may do this; an enterprise does not read the district's shared \
            records.",
        GRADED_BY_GOVERNMENT => "The government side graded this hazard, so only the government \
            side regrades it.",
        NOT_ON_THE_TEAM => "Only the inspection's own officers, or a bureau administrator, act on \
            the inspection.",
        NOT_THE_ASSIGNED_REVIEWER => "The case file is assigned to another reviewer; only that \
            reviewer scores it.",
        NO_POLICY => "The method is not in the role table: in practice the path names no method \
            this server serves. Check the method name.",
        NO_ROLE => "The caller's credentials carry no role, so it reads no record. A defensive \
            check: a server that authenticates every caller does not send it.",
        OTHER_ENTERPRISE => "An enterprise acts and asks only for itself: it named another \
            enterprise (to report for it, or in a filter). Another enterprise's existing record \
            is answered NOT_FOUND instead, as a missing one is.",
        OUTSIDE_JURISDICTION => "The township or district of the record or request is outside the \
            caller's jurisdiction; it is for someone whose region covers it.",
        OWN_CENTRE => "A member of an emergency centre's staff does not record the readiness check \
            of their own centre; someone else checks it.",
        OWN_CLOSE_OUT => "The administrator who asked for a safety item's close-out (销号) does \
            not approve it; another bureau administrator does.",
        PERMISSION_DENIED => "The caller may not do this. The generic reason, for a refusal that \
            names no more specific one.",
        REGISTRAR_ROLE_REQUIRED => "The registry is kept by the bureau and the townships; an \
            inspector uses it but does not change it.",
        REQUEST_ID_OF_ANOTHER_CALLER => "The request_id was already used on this resource by another \
            caller (another person, role, organisation or region); choose a new one.",
        ROLE_NOT_ALLOWED => "The caller's role may not call this method at all.",
    }
    "UNAUTHENTICATED" {
        ACTOR_MISSING => "The call proves no acting user: it carries no bearer token or client \
            certificate, or the one it carries is refused (expired, unknown key, and so on). Send \
            valid credentials.",
    }
    "UNAVAILABLE" {
        APPEND_OUTCOME_UNKNOWN => "The event store did not acknowledge the append, so the command \
            may or may not have been recorded; retry with the same request_id, which records it at \
            most once and returns its result.",
        DEPENDENCY_UNAVAILABLE => "Something the service depends on (NATS, the event store, a \
            database, another service) cannot be reached or is not ready yet; retry shortly (a \
            command with the same request_id).",
        PROJECTION_LAGGING => "The read models did not catch up with every event recorded before \
            the call in the time allowed; retry shortly.",
        PROJECTION_STOPPED => "A read-model projection has stopped, so the read models are not \
            brought up to date; GetProjectionStatus shows why, and an operator must resolve it.",
    }
    "DATA_LOSS" {
        HISTORY_INTEGRITY => "A stored commit of the resource failed its integrity check or cannot \
            be decoded, so its history is not trusted; the metadata names the subject and stream \
            sequence for an operator.",
    }
    "RESOURCE_EXHAUSTED" {
        OVERLOADED => "The server is running as many calls as it admits; retry with the same \
            request_id after the delay in RetryInfo.",
    }
    "DEADLINE_EXCEEDED" {
        REQUEST_TIMEOUT => "The call ran longer than the server's request timeout, and a command \
            may have been recorded; retry with the same request_id, which records it at most once \
            and returns its result.",
    }
    "INTERNAL" {
        INTERNAL => "An unexpected failure inside the server, which the caller cannot fix; report \
            it to the operators.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The canonical names of the gRPC status codes other than OK.
    const GRPC_CODES: [&str; 16] = [
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];

    #[test]
    fn names_are_unique_and_upper_snake() {
        let mut seen = HashSet::new();
        for reason in ALL {
            assert!(seen.insert(reason.name), "{} is listed twice", reason.name);
            let upper_snake = reason
                .name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            let starts_with_letter = reason.name.starts_with(|c: char| c.is_ascii_uppercase());
            assert!(
                upper_snake && starts_with_letter,
                "{} is not UPPER_SNAKE",
                reason.name
            );
        }
    }

    #[test]
    fn every_code_is_a_grpc_code() {
        for reason in ALL {
            assert!(
                GRPC_CODES.contains(&reason.code),
                "{} is sent with {:?}, which is no gRPC code",
                reason.name,
                reason.code
            );
        }
    }

    #[test]
    fn every_meaning_is_a_sentence() {
        for reason in ALL {
            assert!(
                !reason.meaning.trim().is_empty() && reason.meaning.ends_with('.'),
                "the meaning of {} is empty or does not end in a period",
                reason.name
            );
        }
    }

    /// The API reference lists the reasons in this order, so a reader finds one by its code and
    /// then its name.
    #[test]
    fn reasons_are_grouped_by_code_and_sorted_by_name() {
        let mut codes_done = HashSet::new();
        for pair in ALL.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            if before.code == after.code {
                assert!(
                    before.name < after.name,
                    "{} is listed before {}",
                    before.name,
                    after.name
                );
            } else {
                assert!(codes_done.insert(before.code), "{} is split", before.code);
                assert!(!codes_done.contains(after.code), "{} is split", after.code);
            }
        }
    }
}
