//! The `users` table: login accounts, each in at most one tenant.

use sea_orm::entity::prelude::*;

/// One user account. `display_name` was added by the second migration, which filled it in
/// from `username` for the users that existed then.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub tenant_id: Option<i32>,
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub email: String,
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub username: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub password_hash: String,
    #[sea_orm(column_type = "String(StringLen::N(255))", nullable)]
    pub totp_secret: Option<String>,
    #[sea_orm(default_value = false)]
    pub totp_enabled: bool,
    #[sea_orm(default_value = false)]
    pub is_admin: bool,
    #[sea_orm(default_value = false)]
    pub is_verified: bool,
    #[sea_orm(default_value = true)]
    pub is_active: bool,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub created_at: DateTimeWithTimeZone,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub updated_at: DateTimeWithTimeZone,
    #[sea_orm(column_type = "String(StringLen::N(255))", nullable)]
    pub display_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::certificates::Entity")]
    Certificates,
    #[sea_orm(has_many = "super::clusters::Entity")]
    Clusters,
    #[sea_orm(has_many = "super::services::Entity")]
    Services,
    #[sea_orm(
        belongs_to = "super::tenants::Entity",
        from = "Column::TenantId",
        to = "super::tenants::Column::Id",
        on_delete = "Restrict",
        fk_name = "fk_users_tenant_id"
    )]
    Tenants,
}

impl Related<super::certificates::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Certificates.def()
    }
}

impl Related<super::clusters::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Clusters.def()
    }
}

impl Related<super::services::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Services.def()
    }
}

impl Related<super::tenants::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenants.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
