//! The `services` table: endpoints exposed through a cluster; they go when their cluster goes.

use sea_orm::entity::prelude::*;

/// A service reachable at `host:port`; the `(cluster_id, is_active)` index of the migration serves
/// the "active services of a cluster" lookup and cannot be expressed as an entity attribute.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "services")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub cluster_id: i32,
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub host: String,
    pub port: i32,
    #[sea_orm(column_type = "String(StringLen::N(255))", default_value = "TCP")]
    pub protocol: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub auth_type: String,
    #[sea_orm(default_value = true)]
    pub is_active: bool,
    pub created_by: i32,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub created_at: DateTimeWithTimeZone,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::clusters::Entity",
        from = "Column::ClusterId",
        to = "super::clusters::Column::Id",
        on_delete = "Cascade",
        fk_name = "fk_services_cluster_id"
    )]
    Clusters,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::CreatedBy",
        to = "super::users::Column::Id",
        on_delete = "Restrict",
        fk_name = "fk_services_created_by"
    )]
    Users,
}

impl Related<super::clusters::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Clusters.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
