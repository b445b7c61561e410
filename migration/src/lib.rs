pub use sea_orm_migration::prelude::*;

pub mod credentials;
mod m20250101_000001_create_reference_schema;
mod m20250301_000002_add_user_display_name;
mod m20250401_000003_seal_credentials;
mod rotate;

pub use rotate::RotateCredentials;

/// The reference application's migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250101_000001_create_reference_schema::Migration),
            Box::new(m20250301_000002_add_user_display_name::Migration),
            Box::new(m20250401_000003_seal_credentials::Migration),
        ]
    }
}

/// What the reference application registers with seamigrate's CLI: its entities and its tasks.
pub fn app() -> seamigrate::cli::App {
    seamigrate::cli::App { entities: Some(entities()), tasks: seamigrate::task::Tasks::new().with(RotateCredentials) }
}

/// The entities `autogenerate` and `check` compare the database with, and the composite index
/// their attributes cannot declare.
pub fn entities() -> seamigrate::schema::EntitySet {
    use entity::*;
    seamigrate::schema::EntitySet::new()
        .register(tenants::Entity)
        .register(users::Entity)
        .register(clusters::Entity)
        .register(services::Entity)
        .register(certificates::Entity)
        .register(credentials::Entity)
        .index(
            services::Entity,
            Index::create()
                .name("idx_services_cluster_id_is_active")
                .col(services::Column::ClusterId)
                .col(services::Column::IsActive)
                .to_owned(),
        )
}
