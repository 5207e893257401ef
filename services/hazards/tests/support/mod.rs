//! The district the hazards tests run in: the registry and the hazards service on their
//! production mounts over a real nats-server, with the fixture enterprises registered.

use hl_testkit::actors::{ENTERPRISE, OTHER_ENTERPRISE};
use hl_testkit::fixtures::{Registered, register_district};
use hl_testkit::{NatsServer, TestService, unique_namespace};

pub async fn district() -> (NatsServer, TestService) {
    let nats = NatsServer::start().await;
    let service = TestService::spawn(&nats.url(), &unique_namespace(), |server, store, region| {
        hl_responsibility::mount_without_ledger(server, store, region);
        hl_hazards::mount(server, store, region);
    })
    .await;
    register_district(
        service.channel().await,
        &[
            Registered::cold_store(ENTERPRISE),
            Registered::cold_store(OTHER_ENTERPRISE),
        ],
    )
    .await;
    (nats, service)
}
