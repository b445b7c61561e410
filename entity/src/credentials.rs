//! The `credentials` table: a tenant's client credentials at external providers, one set per provider.

use sea_orm::entity::prelude::*;

/// The credentials of one tenant at one provider. The secret columns hold ciphertext, which is
/// longer than the plaintext, hence VARCHAR(512).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique_key = "tenant_id_provider")]
    pub tenant_id: i32,
    #[sea_orm(
        column_type = "String(StringLen::N(255))",
        unique_key = "tenant_id_provider"
    )]
    pub provider: String,
    #[sea_orm(column_type = "String(StringLen::N(512))")]
    pub client_id: String,
    #[sea_orm(column_type = "String(StringLen::N(512))")]
    pub client_secret: String,
    #[sea_orm(column_type = "String(StringLen::N(512))", nullable)]
    pub refresh_token: Option<String>,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tenants::Entity",
        from = "Column::TenantId",
        to = "super::tenants::Column::Id",
        on_delete = "Cascade",
        fk_name = "fk_credentials_tenant_id"
    )]
    Tenants,
}

impl Related<super::tenants::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenants.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
