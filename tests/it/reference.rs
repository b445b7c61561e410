//! The reference schema on a real database: up/down/up keeps rows, the data migration
//! backfills, and the constraints behave as designed.

use crate::support::{TestDb, has_table};
use entity::{clusters, credentials, services, tenants, users};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
use seamigrate::{DownTarget, Migrator, RunOptions, UpTarget};

async fn tenant(conn: &DatabaseConnection, code: &str) -> tenants::Model {
    tenants::ActiveModel {
        code: Set(code.into()),
        name: Set(format!("Tenant {code}")),
        storage_quota_bytes: Set(10_000_000_000),
        file_count_limit: Set(1000),
        ..Default::default()
    }
    .insert(conn)
    .await
    .expect("insert tenant")
}

async fn user(conn: &DatabaseConnection, tenant_id: Option<i32>, name: &str) -> Result<users::Model, sea_orm::DbErr> {
    users::ActiveModel {
        tenant_id: Set(tenant_id),
        email: Set(format!("{name}@example.com")),
        username: Set(name.into()),
        password_hash: Set("$argon2id$stub".into()),
        ..Default::default()
    }
    .insert(conn)
    .await
}

async fn up_down_up_keeps_rows_and_backfills(db: TestDb) {
    let m = Migrator::new::<migration::Migrator>(db.connect().await).unwrap();
    let conn = m.connection().clone();
    let opts = RunOptions::default();
    m.up(&UpTarget::Steps(1), &opts).await.unwrap();
    // A row that exists before the data migration runs.
    let t = tenant(&conn, "acme").await;
    conn.execute_unprepared(&format!(
        "INSERT INTO users (tenant_id, email, username, password_hash) VALUES ({}, 'old@example.com', 'olduser', 'x')",
        t.id
    ))
    .await
    .unwrap();
    m.up(&UpTarget::All, &opts).await.unwrap();
    let old = users::Entity::find().one(&conn).await.unwrap().unwrap();
    assert_eq!(old.display_name.as_deref(), Some("olduser"), "backfilled");
    assert!(old.is_active && !old.is_admin && !old.totp_enabled && !old.is_verified);

    m.down(&DownTarget::Steps(1), &opts).await.unwrap();
    m.up(&UpTarget::All, &opts).await.unwrap();
    m.down(&DownTarget::Steps(1), &opts).await.unwrap();
    m.up(&UpTarget::All, &opts).await.unwrap();
    assert_eq!(users::Entity::find().count(&conn).await.unwrap(), 1, "rows survive the cycles");
    assert_eq!(tenants::Entity::find().count(&conn).await.unwrap(), 1);
    let again = users::Entity::find().one(&conn).await.unwrap().unwrap();
    assert_eq!(again.display_name.as_deref(), Some("olduser"));

    m.down(&DownTarget::Base, &opts).await.unwrap();
    for table in ["tenants", "users", "clusters", "services", "certificates", "credentials"] {
        assert!(!has_table(&conn, table).await, "{table} dropped by down");
    }
}

async fn constraints_behave(db: TestDb) {
    let m = Migrator::new::<migration::Migrator>(db.connect().await).unwrap();
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let conn = m.connection().clone();
    let acme = tenant(&conn, "acme").await;
    assert!(acme.is_active, "is_active defaults to true");
    let admin = user(&conn, Some(acme.id), "admin").await.unwrap();

    // unique
    assert!(user(&conn, None, "admin").await.is_err(), "duplicate username refused");
    assert!(tenants::ActiveModel {
        code: Set("acme".into()),
        name: Set("again".into()),
        storage_quota_bytes: Set(1),
        file_count_limit: Set(1),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .is_err());

    let cluster = clusters::ActiveModel {
        tenant_id: Set(acme.id),
        name: Set("edge".into()),
        created_by: Set(admin.id),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .unwrap();
    assert_eq!(cluster.max_proxies, 3);
    assert!(!cluster.license_validated && cluster.is_active);
    let service = services::ActiveModel {
        cluster_id: Set(cluster.id),
        name: Set("api".into()),
        host: Set("10.0.0.1".into()),
        port: Set(443),
        auth_type: Set("none".into()),
        created_by: Set(admin.id),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .unwrap();
    assert_eq!(service.protocol, "TCP");
    credentials::ActiveModel {
        tenant_id: Set(acme.id),
        provider: Set("google".into()),
        client_id: Set("id".into()),
        client_secret: Set("c".repeat(500)),
        refresh_token: Set(Some("r".repeat(512))),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .expect("512 characters of ciphertext fit");
    let duplicate = credentials::ActiveModel {
        tenant_id: Set(acme.id),
        provider: Set("google".into()),
        client_id: Set("id2".into()),
        client_secret: Set("s".into()),
        ..Default::default()
    };
    assert!(duplicate.insert(&conn).await.is_err(), "unique (tenant_id, provider)");

    // not null
    let missing_host = conn
        .execute_unprepared(&format!(
            "INSERT INTO services (cluster_id, name, port, auth_type, created_by) VALUES ({}, 'x', 1, 'none', {})",
            cluster.id, admin.id
        ))
        .await;
    assert!(missing_host.is_err(), "services.host is NOT NULL");

    // RESTRICT: a tenant with users cannot go; a user who created clusters cannot go.
    assert!(tenants::Entity::delete_by_id(acme.id).exec(&conn).await.is_err());
    assert!(users::Entity::delete_by_id(admin.id).exec(&conn).await.is_err());
    // CASCADE: once its users are detached, deleting the tenant takes its clusters, their
    // services and its credentials with it.
    conn.execute_unprepared("UPDATE users SET tenant_id = NULL").await.unwrap();
    tenants::Entity::delete_by_id(acme.id).exec(&conn).await.unwrap();
    assert_eq!(clusters::Entity::find().count(&conn).await.unwrap(), 0);
    assert_eq!(services::Entity::find().count(&conn).await.unwrap(), 0);
    assert_eq!(credentials::Entity::find().count(&conn).await.unwrap(), 0);
    assert_eq!(users::Entity::find().count(&conn).await.unwrap(), 1);
}

crate::on_each_backend!(up_down_up_keeps_rows_and_backfills, constraints_behave);
