//! The registry's gRPC API in-process against a real nats-server.

use hl_proto::FieldMask;
use hl_proto::common::v1::Date;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::registry_service_client::RegistryServiceClient;
use hl_proto::responsibility::v1::{AdminAreaLevel, Industry};
use hl_testkit::actors::{as_actor, by_administrator};
use hl_testkit::{NatsServer, TestService, unique_namespace};
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

/// The registry on its production mount.
async fn start(nats_url: &str, namespace: &str) -> TestService {
    TestService::spawn(nats_url, namespace, |server, store, region| {
        hl_responsibility::mount_without_ledger(server, store, region);
    })
    .await
}

async fn registry_client(service: &TestService) -> RegistryServiceClient<Channel> {
    RegistryServiceClient::new(service.channel().await)
}

async fn area(
    client: &mut RegistryServiceClient<Channel>,
    code: &str,
    level: AdminAreaLevel,
    parent: &str,
) -> Result<pb::AdminArea, tonic::Status> {
    let area = pb::AdminArea {
        code: code.into(),
        display_name: format!("area {code}"),
        level: level as i32,
        parent_code: parent.into(),
        ..Default::default()
    };
    client
        .create_admin_area(by_administrator(pb::CreateAdminAreaRequest {
            request_id: format!("area-{code}"),
            area: Some(area),
            ..Default::default()
        }))
        .await
        .map(|response| response.into_inner().area.unwrap())
}

/// The district and two townships.
async fn districts(client: &mut RegistryServiceClient<Channel>) {
    area(client, "330903", AdminAreaLevel::District, "")
        .await
        .unwrap();
    area(client, "330903001", AdminAreaLevel::Township, "330903")
        .await
        .unwrap();
    area(client, "330903101", AdminAreaLevel::Township, "330903")
        .await
        .unwrap();
}

async fn fixture() -> (
    NatsServer,
    String,
    TestService,
    RegistryServiceClient<Channel>,
) {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let server = start(&nats.url(), &namespace).await;
    let mut client = registry_client(&server).await;
    districts(&mut client).await;
    (nats, namespace, server, client)
}

fn fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .map(|bad| {
            bad.field_violations
                .into_iter()
                .map(|violation| violation.field)
                .collect()
        })
        .unwrap_or_default()
}

const CSV: &str = "统一社会信用代码,企业名称,地址,乡镇街道代码,行业,风险等级,是否需自查,自查频次
91330903MA2NCU4LYE,舟山普陀海鲜冷链有限公司,沈家门,330903001,涉氨制冷;工贸,橙,是,季
91330903MA2WG7BT4A,坏校验码公司,东港,330903001,工贸,黄,否,
91330903MA27UB96FP,舟山六横船舶修造有限公司,六横,330903101,船舶修造,红,是,月
91330903MA27D5LM3Q,不存在乡镇的公司,桃花,330903999,船舶修造,蓝,是,月
91330903MA2T55F3CQ,沈家门加油站,沈家门,330903001,加油站,黄,是,季
";

fn import_request(request_id: &str, mode: pb::ImportMode) -> pb::ImportEnterprisesRequest {
    pb::ImportEnterprisesRequest {
        request_id: request_id.into(),
        csv: CSV.as_bytes().to_vec(),
        mode: mode as i32,
        activate: true,
        effective_from: None,
        ..Default::default()
    }
}

async fn listed(
    client: &mut RegistryServiceClient<Channel>,
    request: pb::ListEnterprisesRequest,
) -> pb::ListEnterprisesResponse {
    client
        .list_enterprises(by_administrator(request))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn an_import_with_bad_rows_imports_nothing_and_names_every_line() {
    let (_nats, _namespace, _server, mut client) = fixture().await;
    let status = client
        .import_enterprises(by_administrator(import_request(
            "import-1",
            pb::ImportMode::AllOrNothing,
        )))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let named = fields(&status);
    assert!(
        named
            .iter()
            .any(|field| field == "csv line 3: unified_social_credit_code"),
        "{named:?}"
    );
    assert!(
        named
            .iter()
            .any(|field| field == "csv line 5: township_code"),
        "{named:?}"
    );
    assert_eq!(named.len(), 2, "{named:?}");
    assert_eq!(
        listed(&mut client, pb::ListEnterprisesRequest::default())
            .await
            .total_size,
        0
    );

    let imported = client
        .import_enterprises(by_administrator(import_request(
            "import-2",
            pb::ImportMode::GoodRowsOnly,
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            imported.rows,
            imported.imported,
            imported.already_registered
        ),
        (5, 3, 0)
    );
    let lines: Vec<i32> = imported
        .problems
        .iter()
        .map(|problem| problem.line)
        .collect();
    assert_eq!(lines, [3, 5]);

    // The same import again records nothing twice.
    let again = client
        .import_enterprises(by_administrator(import_request(
            "import-2",
            pb::ImportMode::GoodRowsOnly,
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.imported, 3);
    // Another import of the same enterprises finds them registered.
    let other = client
        .import_enterprises(by_administrator(import_request(
            "import-3",
            pb::ImportMode::GoodRowsOnly,
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((other.imported, other.already_registered), (0, 3));

    let in_shenjiamen = listed(
        &mut client,
        pb::ListEnterprisesRequest {
            township_code: "330903001".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(in_shenjiamen.total_size, 2);
    let ammonia = listed(
        &mut client,
        pb::ListEnterprisesRequest {
            industry: Industry::AmmoniaRefrigeration as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ammonia.enterprises[0].enterprise_id, "91330903MA2NCU4LYE");
    assert_eq!(
        ammonia.enterprises[0].status,
        pb::EnterpriseStatus::Active as i32
    );
}

#[tokio::test]
async fn a_file_of_many_bad_rows_lists_the_first_thousand_problems_and_counts_them_all() {
    let (_nats, _namespace, _server, mut client) = fixture().await;
    let header = CSV.lines().next().unwrap();
    // 1,500 rows whose credit code has a wrong check character.
    let rows: String = (0..1500)
        .map(|row| format!("91330903MA2WG7BT4A,公司{row},东港,330903001,工贸,黄,否,\n"))
        .collect();
    let imported = client
        .import_enterprises(by_administrator(pb::ImportEnterprisesRequest {
            csv: format!("{header}\n{rows}").into_bytes(),
            ..import_request("import-many", pb::ImportMode::GoodRowsOnly)
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((imported.rows, imported.imported), (1500, 0));
    // Each row's check character, and each row after the first repeating the enterprise.
    assert_eq!(imported.problems_total, 1500 + 1499);
    assert_eq!(imported.problems.len(), 1000);
    let last_listed = imported.problems.last().unwrap().line;
    assert!(
        imported
            .problems
            .windows(2)
            .all(|pair| pair[0].line <= pair[1].line)
            && last_listed < 1500,
        "the first by line: {last_listed}"
    );
}

#[tokio::test]
async fn an_all_or_nothing_import_with_a_row_outside_the_callers_township_imports_nothing() {
    let (_nats, _namespace, _server, mut client) = fixture().await;
    let officer = hl_testkit::actors::township_officer("330903001");
    let csv = "统一社会信用代码,企业名称,乡镇街道代码,行业
91330903MA2NCU4LYE,舟山普陀海鲜冷链有限公司,330903001,涉氨制冷
91330903MA27UB96FP,舟山六横船舶修造有限公司,330903101,船舶修造
";
    let request = |request_id: &str, mode: pb::ImportMode| pb::ImportEnterprisesRequest {
        csv: csv.as_bytes().to_vec(),
        ..import_request(request_id, mode)
    };
    let refused = client
        .import_enterprises(as_actor(
            request("officer-import", pb::ImportMode::AllOrNothing),
            &officer,
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    assert_eq!(fields(&refused), ["csv line 3: township_code"]);
    assert_eq!(
        listed(&mut client, pb::ListEnterprisesRequest::default())
            .await
            .total_size,
        0
    );

    // Asked for the good rows only, the officer registers the one in their township.
    let imported = client
        .import_enterprises(as_actor(
            request("officer-import-good", pb::ImportMode::GoodRowsOnly),
            &officer,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((imported.imported, imported.problems_total), (1, 1));
    assert_eq!(imported.problems[0].column, "township_code");
}

#[tokio::test]
async fn lists_page_through_in_order_and_tokens_keep_their_filters() {
    let (_nats, _namespace, _server, mut client) = fixture().await;
    client
        .import_enterprises(by_administrator(import_request(
            "import",
            pb::ImportMode::GoodRowsOnly,
        )))
        .await
        .unwrap();
    let first = listed(
        &mut client,
        pb::ListEnterprisesRequest {
            page_size: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(first.enterprises.len(), 2);
    assert_eq!(first.total_size, 3);
    let second = listed(
        &mut client,
        pb::ListEnterprisesRequest {
            page_size: 2,
            page_token: first.next_page_token.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(second.enterprises.len(), 1);
    assert!(second.next_page_token.is_empty());
    let mut ids: Vec<String> = first
        .enterprises
        .iter()
        .chain(&second.enterprises)
        .map(|enterprise| enterprise.enterprise_id.clone())
        .collect();
    let sorted = {
        let mut sorted = ids.clone();
        sorted.sort();
        sorted
    };
    assert_eq!(ids, sorted);
    ids.dedup();
    assert_eq!(ids.len(), 3);

    let mismatched = client
        .list_enterprises(by_administrator(pb::ListEnterprisesRequest {
            page_size: 2,
            page_token: first.next_page_token,
            township_code: "330903001".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(fields(&mismatched), ["page_token"]);
}

#[tokio::test]
async fn details_change_on_effective_dates_and_any_day_can_be_asked_about() {
    let (_nats, _namespace, _server, mut client) = fixture().await;
    let enterprise = pb::Enterprise {
        enterprise_id: "91330903MA2NCU4LYE".into(),
        display_name: "冷链公司".into(),
        township_code: "330903001".into(),
        industries: vec![Industry::AmmoniaRefrigeration as i32],
        chemical_registration_code: "330901234".into(),
        ..Default::default()
    };
    let register = pb::RegisterEnterpriseRequest {
        request_id: "r1".into(),
        enterprise: Some(enterprise),
        effective_from: Some(Date {
            year: 2023,
            month: 1,
            day: 1,
        }),
        activate: true,
        ..Default::default()
    };
    client
        .register_enterprise(by_administrator(register))
        .await
        .unwrap();
    let moved = pb::Enterprise {
        name: "enterprises/91330903MA2NCU4LYE".into(),
        township_code: "330903101".into(),
        ..Default::default()
    };
    let update = pb::UpdateEnterpriseRequest {
        request_id: "r2".into(),
        enterprise: Some(moved),
        update_mask: Some(FieldMask {
            paths: vec!["township_code".into()],
        }),
        effective_from: Some(Date {
            year: 2023,
            month: 6,
            day: 1,
        }),
        ..Default::default()
    };
    client
        .update_enterprise(by_administrator(update))
        .await
        .unwrap();
    let on = |month| pb::GetEnterpriseRequest {
        name: "enterprises/91330903MA2NCU4LYE".into(),
        as_of_date: Some(Date {
            year: 2023,
            month,
            day: 1,
        }),
    };
    let february = client
        .get_enterprise(by_administrator(on(2)))
        .await
        .unwrap()
        .into_inner();
    let july = client
        .get_enterprise(by_administrator(on(7)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (february.township_code.as_str(), july.township_code.as_str()),
        ("330903001", "330903101")
    );
    assert_eq!(july.history.len(), 2);
    assert_eq!(
        (
            july.display_name.as_str(),
            july.chemical_registration_code.as_str()
        ),
        ("冷链公司", "330901234"),
        "fields outside the mask keep their values"
    );

    let bad_mask = pb::UpdateEnterpriseRequest {
        request_id: "r3".into(),
        enterprise: Some(pb::Enterprise {
            name: "enterprises/91330903MA2NCU4LYE".into(),
            ..Default::default()
        }),
        update_mask: Some(FieldMask {
            paths: vec!["enterprise_id".into()],
        }),
        effective_from: None,
        ..Default::default()
    };
    let status = client
        .update_enterprise(by_administrator(bad_mask))
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["update_mask"]);
}

#[tokio::test]
async fn references_must_exist_and_fit() {
    let (_nats, _namespace, _server, mut client) = fixture().await;
    let orphan = area(
        &mut client,
        "330903002001",
        AdminAreaLevel::Village,
        "330903002",
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&orphan), ["area.parent_code"]);
    let wrong_parent = area(
        &mut client,
        "330903001001",
        AdminAreaLevel::Village,
        "330903101",
    )
    .await
    .unwrap_err();
    assert_eq!(wrong_parent.code(), Code::InvalidArgument);

    let inspector = pb::Person {
        person_id: "officer-1".into(),
        display_name: "张伟".into(),
        roles: vec![pb::PersonRole::Inspector as i32],
        ..Default::default()
    };
    let status = client
        .create_person(by_administrator(pb::CreatePersonRequest {
            request_id: "p1".into(),
            person: Some(inspector),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["person.enforcement_certificate"]);

    let cell = pb::GridCell {
        grid_cell_id: "g1".into(),
        display_name: "网格".into(),
        township_code: "330903001".into(),
        grid_head_id: "nobody".into(),
        ..Default::default()
    };
    let status = client
        .create_grid_cell(by_administrator(pb::CreateGridCellRequest {
            request_id: "g1".into(),
            cell: Some(cell),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["cell.grid_head_id"]);

    let enterprise = pb::Enterprise {
        enterprise_id: "91330903MA2NCU4LYE".into(),
        display_name: "A".into(),
        township_code: "330903001".into(),
        grid_cell_id: "g1".into(),
        ..Default::default()
    };
    let status = client
        .register_enterprise(by_administrator(pb::RegisterEnterpriseRequest {
            request_id: "e1".into(),
            enterprise: Some(enterprise),
            effective_from: None,
            activate: false,
            ..Default::default()
        }))
        .await
        .unwrap_err();
    let named = fields(&status);
    assert!(
        named.contains(&"enterprise.grid_cell_id".to_string())
            && named.contains(&"enterprise.industries".to_string()),
        "{named:?}"
    );

    // A hazardous-chemicals registration code is nine digits or nothing.
    for code in ["33090123", "3309012345", "33090123X"] {
        let status = client
            .register_enterprise(by_administrator(pb::RegisterEnterpriseRequest {
                request_id: "e3".into(),
                enterprise: Some(pb::Enterprise {
                    enterprise_id: "91330903MA2NCU4LYE".into(),
                    display_name: "A".into(),
                    township_code: "330903001".into(),
                    industries: vec![1],
                    chemical_registration_code: code.into(),
                    ..Default::default()
                }),
                ..Default::default()
            }))
            .await
            .unwrap_err();
        assert_eq!(
            fields(&status),
            ["enterprise.chemical_registration_code"],
            "{code}"
        );
    }

    // An industry listed twice is named; a list longer than the classification is one
    // violation, its entries unread.
    for (industries, expected) in [
        (vec![1, 1], "enterprise.industries[1]"),
        (vec![1; 200_000], "enterprise.industries"),
    ] {
        let status = client
            .register_enterprise(by_administrator(pb::RegisterEnterpriseRequest {
                request_id: "e2".into(),
                enterprise: Some(pb::Enterprise {
                    enterprise_id: "91330903MA2NCU4LYE".into(),
                    display_name: "A".into(),
                    township_code: "330903001".into(),
                    industries,
                    ..Default::default()
                }),
                ..Default::default()
            }))
            .await
            .unwrap_err();
        assert_eq!(fields(&status), [expected]);
    }
}

#[tokio::test]
async fn a_new_instance_builds_the_same_lists_from_the_stream() {
    let (nats, namespace, _server, mut client) = fixture().await;
    client
        .import_enterprises(by_administrator(import_request(
            "import",
            pb::ImportMode::GoodRowsOnly,
        )))
        .await
        .unwrap();
    let second = start(&nats.url(), &namespace).await;
    let mut other = registry_client(&second).await;
    let listed_there = listed(&mut other, pb::ListEnterprisesRequest::default()).await;
    let listed_here = listed(&mut client, pb::ListEnterprisesRequest::default()).await;
    assert_eq!(listed_there.total_size, 3);
    assert_eq!(listed_there.enterprises, listed_here.enterprises);
    let areas = other
        .list_admin_areas(by_administrator(pb::ListAdminAreasRequest {
            parent_code: "330903".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(areas.total_size, 2);
}
