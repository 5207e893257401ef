//! The demo's work-safety accidents: two in the year before (two deaths at the shipyard, a fall
//! with serious injuries at a cold store) and one this year (one death at the seafood cold
//! store), so T1–T4 show the year against the year before; and the two years' GDP, so T3 has a
//! rate. The GDP figures are made up for the demo and say so in their source.

use chrono::{Datelike, NaiveDate};
use hl_proto::plans::v1 as pb;
use tonic::Status;

use super::{Demo, ENTERPRISES, Who};

impl Demo {
    pub(super) async fn seed_accidents(&mut self) -> Result<(), Status> {
        self.at(0);
        let today = self.today();
        let this_year = today.year();
        let start_of_year = NaiveDate::from_ymd_opt(this_year, 1, 1).unwrap_or(today);
        let twenty_days_ago = today - chrono::Days::new(20);
        let day_of = |year: i32, month: u32, day: u32| {
            NaiveDate::from_ymd_opt(year, month, day).unwrap_or(start_of_year)
        };
        let accidents = [
            (
                "shipyard-fall",
                day_of(this_year - 1, 1, 10),
                "分段合拢作业高处坠落",
                2,
                (2, 0, 150 * 10_000 * 100),
            ),
            (
                "cold-store-slip",
                day_of(this_year - 1, 3, 20),
                "冷库卸货区滑倒受伤",
                1,
                (0, 2, 20 * 10_000 * 100),
            ),
            (
                "seafood-forklift",
                twenty_days_ago.max(start_of_year),
                "叉车倒车碰撞致人死亡",
                0,
                (1, 0, 120 * 10_000 * 100),
            ),
        ];
        for (accident_id, day, title, enterprise, (deaths, serious_injuries, loss)) in accidents {
            let enterprise = &ENTERPRISES[enterprise];
            // 10:00 in the district, and never later than an hour ago (on New Year's Day).
            let happened_at = day
                .and_hms_opt(2, 0, 0)
                .map(|at| at.and_utc().min(self.now - chrono::Duration::hours(1)))
                .map(hl_proto::timestamp);
            let record = pb::RecordAccidentRequest {
                request_id: self.next_request_id(),
                accident_id: accident_id.into(),
                title: title.into(),
                happened_at,
                township_code: enterprise.township.into(),
                place: enterprise.name.into(),
                enterprise_id: enterprise.code.into(),
                figures: Some(pb::AccidentFigures {
                    deaths,
                    serious_injuries,
                    direct_loss_fen: loss,
                }),
                ..Default::default()
            };
            self.plans
                .record_accident(self.request(record, Who::Inspector))
                .await?;
        }
        for (year, gdp_wan_yuan) in [(this_year - 1, 6_120_000), (this_year, 6_480_000)] {
            let gdp = pb::RecordAnnualGdpRequest {
                request_id: self.next_request_id(),
                year,
                gdp_wan_yuan,
                source: "演示数据（非官方统计）".into(),
                reason: String::new(),
            };
            self.plans
                .record_annual_gdp(self.request(gdp, Who::Administrator))
                .await?;
        }
        Ok(())
    }
}
