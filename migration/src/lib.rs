pub use sea_orm_migration::prelude::*;

mod m20250101_000001_create_reference_schema;
mod m20250301_000002_add_user_display_name;

/// The reference application's migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250101_000001_create_reference_schema::Migration),
            Box::new(m20250301_000002_add_user_display_name::Migration),
        ]
    }
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
