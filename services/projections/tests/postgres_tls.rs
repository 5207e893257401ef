//! The read model reaches PostgreSQL over TLS (sqlx with rustls) when DATABASE_URL asks for it,
//! as production does (sslmode=verify-full with the deployment's CA); the test server's
//! certificate is self-signed, so the test asks for encryption only.

use hl_readmodel::Database;
use hl_testkit::TestDatabase;

#[tokio::test]
async fn the_read_model_database_is_reached_over_tls_when_the_url_asks() {
    let database = TestDatabase::create().await;
    let connected = Database::connect(&format!("{}?sslmode=require", database.url))
        .await
        .expect("PostgreSQL answers over TLS");
    let (encrypted,): (bool,) =
        sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(connected.pool())
            .await
            .unwrap();
    assert!(encrypted, "the session is encrypted");
}
