//! A fresh PostgreSQL database per test on the server named by `HL_TEST_POSTGRES_URL` (the
//! Makefile's `scripts/with-postgres` sets it, starting a private cluster when none is running),
//! or on 127.0.0.1:5432 otherwise. The database is dropped when the test is done with it.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// The server's URL: HL_TEST_POSTGRES_URL, else the local default.
pub fn postgres_server_url() -> String {
    std::env::var("HL_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A database of its own for one test.
pub struct TestDatabase {
    pub url: String,
    name: String,
    server_url: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        TestDatabase::create_on(postgres_server_url()).await
    }

    /// A database of its own on a given server (`postgres://USER@HOST:PORT/DB`).
    pub async fn create_on(server_url: String) -> TestDatabase {
        let mut connection = PgConnection::connect(&server_url).await.unwrap_or_else(|error| {
            panic!(
                "PostgreSQL at {server_url} does not answer ({error}); run the tests with `make test`, \
                 which starts one, or set HL_TEST_POSTGRES_URL"
            )
        });
        let name = format!("hl_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .expect("create the test database");
        let base = server_url
            .rsplit_once('/')
            .map_or(server_url.as_str(), |(base, _)| base);
        TestDatabase {
            url: format!("{base}/{name}"),
            name,
            server_url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let server_url = self.server_url.clone();
        let name = self.name.clone();
        // Dropping happens outside any runtime the test may still be shutting down.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let mut connection = PgConnection::connect(&server_url).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut connection)
                    .await
                    .ok()
            })
        })
        .join();
    }
}
