//! The plans figures as the ledger knew them at a recording time, on a real nats-server and both
//! databases: a certification entered late changes today's reading of a past day, but never the
//! reading as known before it was entered; each figure names the events it stands on.

mod support;

use hl_domain::access::test_actors;
use hl_plans::domain::shelter::{Register, Shelter, ShelterCommand};
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use hl_proto::plans::v1::ShelterLevel;
use support::*;

fn register(title: &str) -> ShelterCommand {
    ShelterCommand::Register(Register {
        region: "330903".into(),
        title: title.into(),
        level: ShelterLevel::Township,
        township_code: "330903001".into(),
        location: "沈家门街道".into(),
        capacity: 200,
    })
}

fn certify(on: &str) -> ShelterCommand {
    ShelterCommand::Certify {
        certified_on: chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap(),
        certificate: "规范化避灾安置场所".into(),
    }
}

/// Two shelters of 2023: the school certified on 1 June and entered that day; the hall
/// certified on 10 June but entered on 5 July.
async fn two_shelters(world: &World) {
    let shelters = world.repository::<Shelter>();
    let inspector = test_actors::inspector();
    let steps = [
        ("school", register("学校"), "2023-03-01", "2023-03-01"),
        ("hall", register("礼堂"), "2023-03-02", "2023-03-02"),
        ("school", certify("2023-06-01"), "2023-06-01", "2023-06-01"),
        ("hall", certify("2023-06-10"), "2023-06-10", "2023-07-05"),
    ];
    for (id, command, happened, recorded) in steps {
        world
            .execute_recorded(
                &shelters,
                id,
                command,
                inspector.clone(),
                happened,
                Some(at(recorded)),
            )
            .await;
    }
    world.caught_up().await;
}

/// The shelters of 2023 read on 30 June, as known at `known_at` (now when None).
async fn shelters_known_at(world: &World, known_at: Option<&str>) -> ledger::ListSheltersResponse {
    world
        .ledger()
        .list_shelters(as_inspector(ledger::ListSheltersRequest {
            year: 2023,
            day: Some(day("2023-06-30")),
            known_at: known_at.map(|known_at| hl_proto::timestamp(at(known_at))),
            ..Default::default()
        }))
        .await
        .expect("the shelters")
        .into_inner()
}

#[tokio::test]
async fn a_certification_entered_late_never_changes_what_was_known_before_it() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        two_shelters(&world).await;

        // Today, 30 June reads both certifications: each shelter's two events stand behind T5.
        let today = shelters_known_at(&world, None).await;
        assert_eq!((today.shelters, today.certified_in_year), (2, 2));
        assert_eq!(today.certified_in_year_event_ids.len(), 4);

        // As known on 30 June itself, only the school was certified: the hall's certification,
        // dated 10 June, was entered on 5 July.
        let then = shelters_known_at(&world, Some("2023-06-30")).await;
        assert_eq!((then.shelters, then.certified_in_year), (2, 1));
        assert_eq!(then.certified_in_year_shelters, ["shelters/school"]);
        assert_eq!(then.certified_in_year_event_ids.len(), 2);
        let hall = then
            .rows
            .iter()
            .find(|row| row.shelter.as_ref().unwrap().shelter_id == "hall")
            .unwrap();
        assert!(!hall.certified);

        // Before either certification was entered, none; before the shelters were registered,
        // no shelters at all.
        let spring = shelters_known_at(&world, Some("2023-05-01")).await;
        assert_eq!((spring.shelters, spring.certified_in_year), (2, 0));
        assert!(spring.certified_in_year_event_ids.is_empty());
        let winter = shelters_known_at(&world, Some("2023-02-01")).await;
        assert_eq!((winter.shelters, winter.total_size), (0, 0));

        // The targets read the same: T5 as known on 30 June is the school alone.
        let targets = world
            .ledger()
            .get_targets(as_inspector(ledger::GetTargetsRequest {
                year: 2023,
                day: Some(day("2023-06-30")),
                known_at: Some(hl_proto::timestamp(at("2023-06-30"))),
            }))
            .await
            .expect("the targets")
            .into_inner();
        let t5 = targets
            .targets
            .iter()
            .find(|target| target.code == "T5")
            .unwrap();
        assert_eq!(t5.figure, Some(1.0));
        assert_eq!(t5.counted, ["shelters/school"]);
        assert_eq!(t5.event_ids, then.certified_in_year_event_ids);
    })
    .await;
}
