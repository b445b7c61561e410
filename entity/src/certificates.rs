//! The `certificates` table: TLS certificates shared by all tenants, indexed by expiry for renewal.

use sea_orm::entity::prelude::*;

/// A certificate and its private key in PEM. The field order follows the table, whose
/// `valid_*` columns come after `created_at` (see the first migration for the MySQL reason).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub cert_pem: String,
    #[sea_orm(column_type = "Text")]
    pub key_pem: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub issuer: String,
    #[sea_orm(default_value = false)]
    pub auto_renew: bool,
    #[sea_orm(default_value = 30)]
    pub renew_before_days: i32,
    #[sea_orm(default_value = true, indexed)]
    pub is_active: bool,
    pub created_by: i32,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub created_at: DateTimeWithTimeZone,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub updated_at: DateTimeWithTimeZone,
    pub valid_from: DateTimeWithTimeZone,
    #[sea_orm(indexed)]
    pub valid_until: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::CreatedBy",
        to = "super::users::Column::Id",
        on_delete = "Restrict",
        fk_name = "fk_certificates_created_by"
    )]
    Users,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
