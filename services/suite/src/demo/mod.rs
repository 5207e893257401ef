//! The demo district: Putuo's townships and villages, its bureau, inspectors and grid workers, a
//! dozen enterprises of the industries the bureau's work plan names, and hazards in both ledgers
//! at different stages. Everything is written through the public gRPC API, as the bureau, the
//! inspectors and the enterprises would. Every request has a fixed request_id, so seeding twice
//! records nothing twice, and a seeded district is recognised and left alone. Dates are relative
//! to the day the demo is seeded, so there are always hazards past their deadlines.
//!
//! The district's past (the three quarters before the current one) is loaded as a bureau going
//! live loads its paper ledger ([`history`]); the recent weeks are recorded live, each step dated
//! when it happened, within how far back each role may date a step ([`hazards`]).

mod accidents;
mod enforcement;
mod hazards;
mod history;
mod plans;
mod registry;
pub mod report;
mod responsibility;
mod typhoon;

use chrono::{DateTime, Days, NaiveDate, Utc};
use hl_proto::common::v1::{Actor, Date, EvidenceRef, Role};
use hl_proto::enforcement::v1::enforcement_service_client::EnforcementServiceClient;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::plans::v1::plans_service_client::PlansServiceClient;
use hl_proto::responsibility::v1::Industry;
use hl_proto::responsibility::v1::registry_service_client::RegistryServiceClient;
use hl_proto::responsibility::v1::responsibility_service_client::ResponsibilityServiceClient;
use hl_proto::timestamp;
use tonic::transport::Channel;
use tonic::{Request, Status};

use crate::auth::DevelopmentKey;

/// A demo enterprise. Its unified social credit code's check character is valid.
pub struct DemoEnterprise {
    pub code: &'static str,
    pub name: &'static str,
    pub township: &'static str,
    pub industries: &'static [Industry],
    /// Grid cell id, or empty.
    pub grid_cell: &'static str,
}

/// Townships (乡镇/街道) of Putuo District used by the demo, with demo division codes.
pub const TOWNSHIPS: &[(&str, &str, &str)] = &[
    ("330903001", "沈家门街道", "街道"),
    ("330903002", "东港街道", "街道"),
    ("330903003", "朱家尖街道", "街道"),
    ("330903004", "展茅街道", "街道"),
    ("330903101", "六横镇", "镇"),
    ("330903102", "桃花镇", "镇"),
];

pub const ENTERPRISES: &[DemoEnterprise] = &[
    DemoEnterprise {
        code: "91330903MA2NCU4LYE",
        name: "舟山普陀海鲜冷链有限公司",
        township: "330903001",
        industries: &[Industry::AmmoniaRefrigeration, Industry::IndustryAndTrade],
        grid_cell: "shenjiamen-01",
    },
    DemoEnterprise {
        code: "91330903MA2WG7BT4R",
        name: "普陀东港水产冷冻厂",
        township: "330903002",
        industries: &[Industry::AmmoniaRefrigeration],
        grid_cell: "",
    },
    DemoEnterprise {
        code: "91330903MA27UB96FP",
        name: "舟山六横船舶修造有限公司",
        township: "330903101",
        industries: &[Industry::ShipbuildingAndRepair],
        grid_cell: "liuheng-01",
    },
    DemoEnterprise {
        code: "91330903MA27D5LM3Q",
        name: "普陀桃花修船厂",
        township: "330903102",
        industries: &[Industry::ShipbuildingAndRepair],
        grid_cell: "",
    },
    DemoEnterprise {
        code: "91330903MA2T55F3CQ",
        name: "沈家门加油站",
        township: "330903001",
        industries: &[Industry::FillingStation],
        grid_cell: "shenjiamen-01",
    },
    DemoEnterprise {
        code: "91330903MA2U6W1JGM",
        name: "朱家尖柴油储运站",
        township: "330903003",
        industries: &[Industry::OilDepot, Industry::HazardousChemicals],
        grid_cell: "",
    },
    DemoEnterprise {
        code: "91330903MA208ANWRT",
        name: "朱家尖海岸民宿",
        township: "330903003",
        industries: &[Industry::Homestay],
        grid_cell: "",
    },
    DemoEnterprise {
        code: "91330903MA2NH530N3",
        name: "桃花岛观海民宿",
        township: "330903102",
        industries: &[Industry::Homestay],
        grid_cell: "",
    },
    DemoEnterprise {
        code: "91330903MA2R0QA9CJ",
        name: "六横石料开采有限公司",
        township: "330903101",
        industries: &[Industry::NonCoalMine],
        grid_cell: "liuheng-01",
    },
    DemoEnterprise {
        code: "91330903MA240CET32",
        name: "普陀建材矿业有限公司",
        township: "330903101",
        industries: &[Industry::NonCoalMine],
        grid_cell: "liuheng-01",
    },
    DemoEnterprise {
        code: "91330903MA2B0LRTEE",
        name: "东港烟花爆竹零售点",
        township: "330903002",
        industries: &[Industry::Fireworks],
        grid_cell: "",
    },
    DemoEnterprise {
        code: "91330903MA2TELAK7F",
        name: "普陀金属制品厂",
        township: "330903004",
        industries: &[Industry::IndustryAndTrade],
        grid_cell: "",
    },
];

/// Who acts in the demo.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    Enterprise(usize),
    Inspector,
    Administrator,
}

/// What seeding did.
pub struct Seeded {
    pub hazards: usize,
    pub already_seeded: bool,
}

/// Seeds the demo district through the API at `channel`, unless it is there already. Every
/// call carries a token of its actor, signed with the suite's development key.
pub async fn seed(
    channel: Channel,
    region: &str,
    development: &DevelopmentKey,
) -> Result<Seeded, Status> {
    let mut demo = Demo::for_reading(channel, region, development);
    if demo.already_seeded().await? {
        return Ok(Seeded {
            hazards: 0,
            already_seeded: true,
        });
    }
    demo.seed_registry().await?;
    demo.seed_history().await?;
    demo.seed_hazards().await?;
    demo.seed_responsibility().await?;
    demo.seed_plans().await?;
    demo.seed_shelters().await?;
    demo.seed_rescue_teams().await?;
    demo.seed_training().await?;
    demo.seed_accidents().await?;
    demo.seed_typhoon().await?;
    demo.seed_enforcement().await?;
    Ok(Seeded {
        hazards: demo.hazards_reported,
        already_seeded: false,
    })
}

struct Demo {
    development: DevelopmentKey,
    hazards: HazardsServiceClient<Channel>,
    enforcement: EnforcementServiceClient<Channel>,
    registry: RegistryServiceClient<Channel>,
    responsibility: ResponsibilityServiceClient<Channel>,
    plans: PlansServiceClient<Channel>,
    region: String,
    now: DateTime<Utc>,
    step: u32,
    hazards_reported: usize,
    /// How many days ago the steps being recorded happened.
    days_ago: i64,
}

/// A photo's reference. The demo has no files; a stable stand-in hash of the description
/// names it.
fn photo(what: &str) -> EvidenceRef {
    use std::fmt::Write;
    let mut digest = String::new();
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for round in 0..4u64 {
        for byte in what.bytes() {
            state ^= u64::from(byte) ^ round;
            state = state.wrapping_mul(0x0100_0000_01b3);
        }
        let _ = write!(digest, "{state:016x}");
    }
    EvidenceRef {
        sha256: digest,
        media_type: "image/jpeg".into(),
        description: what.into(),
        ..EvidenceRef::default()
    }
}

impl Demo {
    /// A demo at the start of its steps (or that only reads, for the report).
    fn for_reading(channel: Channel, region: &str, development: &DevelopmentKey) -> Demo {
        Demo {
            development: development.clone(),
            hazards: HazardsServiceClient::new(channel.clone()),
            enforcement: EnforcementServiceClient::new(channel.clone()),
            registry: RegistryServiceClient::new(channel.clone()),
            responsibility: ResponsibilityServiceClient::new(channel.clone()),
            plans: PlansServiceClient::new(channel),
            region: region.to_string(),
            now: Utc::now(),
            step: 0,
            hazards_reported: 0,
            days_ago: 0,
        }
    }

    /// The steps recorded next happened `days` days ago.
    fn at(&mut self, days: i64) {
        self.days_ago = days;
    }

    /// When the step being recorded happened; None (now) for today's steps.
    fn occurred_at(&self) -> Option<hl_proto::Timestamp> {
        (self.days_ago > 0).then(|| timestamp(self.now - chrono::Duration::days(self.days_ago)))
    }

    fn today(&self) -> NaiveDate {
        hl_domain_today(self.now)
    }

    /// A date `offset` days from today (negative: in the past).
    fn day(&self, offset: i64) -> Date {
        let today = self.today();
        let day = if offset >= 0 {
            today.checked_add_days(Days::new(offset as u64))
        } else {
            today.checked_sub_days(Days::new(offset.unsigned_abs()))
        };
        day.unwrap_or(today).into()
    }

    fn next_request_id(&mut self) -> String {
        self.step += 1;
        format!("demo-district-v2/{:03}", self.step)
    }

    /// Who acts, as an actor.
    fn actor(&self, who: Who) -> Actor {
        let (id, role, organisation, region) = match who {
            Who::Enterprise(index) => (
                format!("principal-{}", &ENTERPRISES[index].code[12..]),
                Role::Enterprise,
                ENTERPRISES[index].code.to_string(),
                String::new(),
            ),
            Who::Inspector => (
                "officer-zhang-wei".to_string(),
                Role::Inspector,
                "putuo-emergency-bureau".to_string(),
                self.region.clone(),
            ),
            Who::Administrator => (
                "admin-putuo".to_string(),
                Role::BureauAdministrator,
                "putuo-safety-committee".to_string(),
                self.region.clone(),
            ),
        };
        Actor {
            id,
            role: role as i32,
            organisation,
            region,
        }
    }

    /// A request with the acting user's token.
    fn request<T>(&self, body: T, who: Who) -> Request<T> {
        let mut request = Request::new(body);
        let token = self.development.token(&self.actor(who));
        if let Ok(value) = format!("Bearer {token}").parse() {
            request.metadata_mut().insert("authorization", value);
        }
        request
    }

    /// The last thing seeding records is the shipyard's penalty case.
    async fn already_seeded(&mut self) -> Result<bool, Status> {
        let request = self.request(
            hl_proto::enforcement::v1::GetPenaltyCaseRequest {
                name: enforcement::LAST_CASE.into(),
                as_of: None,
            },
            Who::Administrator,
        );
        match self.enforcement.get_penalty_case(request).await {
            Ok(_) => Ok(true),
            Err(status) if status.code() == tonic::Code::NotFound => Ok(false),
            Err(status) => Err(status),
        }
    }
}

/// Today in Asia/Shanghai.
fn hl_domain_today(now: DateTime<Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_credit_codes_pass_the_check_character() {
        for enterprise in ENTERPRISES {
            assert!(
                hl_runtime::validation::is_unified_social_credit_code(enterprise.code),
                "{}",
                enterprise.code
            );
            assert!(
                TOWNSHIPS
                    .iter()
                    .any(|(code, _, _)| *code == enterprise.township)
            );
        }
    }
}
