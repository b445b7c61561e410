//! Creates the reference application's six tables with their indexes and foreign keys.
//! Only sea-query builders are used, so the same statements run on PostgreSQL, MySQL/MariaDB and
//! SQLite; foreign keys are declared inside `CREATE TABLE` because SQLite cannot add them later.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let newest_first = [
            Credentials::Table.into_iden(),
            Certificates::Table.into_iden(),
            Services::Table.into_iden(),
            Clusters::Table.into_iden(),
            Users::Table.into_iden(),
            Tenants::Table.into_iden(),
        ];
        for table in newest_first {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The tables in dependency order: each one only references tables before it.
fn tables() -> [TableCreateStatement; 6] {
    [
        create_tenants(),
        create_users(),
        create_clusters(),
        create_services(),
        create_certificates(),
        create_credentials(),
    ]
}

fn indexes() -> [IndexCreateStatement; 6] {
    [
        index("idx_tenants_is_active", Tenants::Table, [Tenants::IsActive]),
        index(
            "idx_clusters_is_active",
            Clusters::Table,
            [Clusters::IsActive],
        ),
        index(
            "idx_services_cluster_id_is_active",
            Services::Table,
            [Services::ClusterId, Services::IsActive],
        ),
        index(
            "idx_certificates_valid_until",
            Certificates::Table,
            [Certificates::ValidUntil],
        ),
        index(
            "idx_certificates_is_active",
            Certificates::Table,
            [Certificates::IsActive],
        ),
        index(
            "uq_credentials_tenant_id_provider",
            Credentials::Table,
            [Credentials::TenantId, Credentials::Provider],
        )
        .unique()
        .to_owned(),
    ]
}

fn create_tenants() -> TableCreateStatement {
    Table::create()
        .table(Tenants::Table)
        .col(id(Tenants::Id))
        .col(string(Tenants::Code).unique_key())
        .col(string(Tenants::Name))
        .col(
            ColumnDef::new(Tenants::StorageQuotaBytes)
                .big_integer()
                .not_null(),
        )
        .col(ColumnDef::new(Tenants::FileCountLimit).integer().not_null())
        .col(flag(Tenants::IsActive, true))
        .col(now(Tenants::CreatedAt))
        .to_owned()
}

fn create_users() -> TableCreateStatement {
    Table::create()
        .table(Users::Table)
        .col(id(Users::Id))
        .col(ColumnDef::new(Users::TenantId).integer().null())
        .col(string(Users::Email).unique_key())
        .col(string(Users::Username).unique_key())
        .col(string(Users::PasswordHash))
        .col(ColumnDef::new(Users::TotpSecret).string_len(255).null())
        .col(flag(Users::TotpEnabled, false))
        .col(flag(Users::IsAdmin, false))
        .col(flag(Users::IsVerified, false))
        .col(flag(Users::IsActive, true))
        .col(now(Users::CreatedAt))
        .col(now(Users::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_users_tenant_id")
                .from(Users::Table, Users::TenantId)
                .to(Tenants::Table, Tenants::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn create_clusters() -> TableCreateStatement {
    Table::create()
        .table(Clusters::Table)
        .col(id(Clusters::Id))
        .col(ColumnDef::new(Clusters::TenantId).integer().not_null())
        .col(string(Clusters::Name).unique_key())
        .col(ColumnDef::new(Clusters::Description).text().null())
        .col(
            ColumnDef::new(Clusters::MaxProxies)
                .integer()
                .not_null()
                .default(3),
        )
        .col(flag(Clusters::LicenseValidated, false))
        .col(flag(Clusters::IsActive, true))
        .col(ColumnDef::new(Clusters::CreatedBy).integer().not_null())
        .col(now(Clusters::CreatedAt))
        .col(now(Clusters::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_clusters_tenant_id")
                .from(Clusters::Table, Clusters::TenantId)
                .to(Tenants::Table, Tenants::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_clusters_created_by")
                .from(Clusters::Table, Clusters::CreatedBy)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn create_services() -> TableCreateStatement {
    Table::create()
        .table(Services::Table)
        .col(id(Services::Id))
        .col(ColumnDef::new(Services::ClusterId).integer().not_null())
        .col(string(Services::Name).unique_key())
        .col(string(Services::Host))
        .col(ColumnDef::new(Services::Port).integer().not_null())
        .col(string(Services::Protocol).default("TCP"))
        .col(string(Services::AuthType))
        .col(flag(Services::IsActive, true))
        .col(ColumnDef::new(Services::CreatedBy).integer().not_null())
        .col(now(Services::CreatedAt))
        .col(now(Services::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_services_cluster_id")
                .from(Services::Table, Services::ClusterId)
                .to(Clusters::Table, Clusters::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_services_created_by")
                .from(Services::Table, Services::CreatedBy)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

/// `valid_from` and `valid_until` come after `created_at` because MySQL and MariaDB running with
/// `explicit_defaults_for_timestamp=OFF` (the default before MariaDB 10.10) silently give a table's
/// first TIMESTAMP column `ON UPDATE CURRENT_TIMESTAMP` unless it has a default of its own.
fn create_certificates() -> TableCreateStatement {
    Table::create()
        .table(Certificates::Table)
        .col(id(Certificates::Id))
        .col(string(Certificates::Name).unique_key())
        .col(ColumnDef::new(Certificates::CertPem).text().not_null())
        .col(ColumnDef::new(Certificates::KeyPem).text().not_null())
        .col(string(Certificates::Issuer))
        .col(flag(Certificates::AutoRenew, false))
        .col(
            ColumnDef::new(Certificates::RenewBeforeDays)
                .integer()
                .not_null()
                .default(30),
        )
        .col(flag(Certificates::IsActive, true))
        .col(ColumnDef::new(Certificates::CreatedBy).integer().not_null())
        .col(now(Certificates::CreatedAt))
        .col(now(Certificates::UpdatedAt))
        .col(timestamp(Certificates::ValidFrom))
        .col(timestamp(Certificates::ValidUntil))
        .foreign_key(
            ForeignKey::create()
                .name("fk_certificates_created_by")
                .from(Certificates::Table, Certificates::CreatedBy)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn create_credentials() -> TableCreateStatement {
    Table::create()
        .table(Credentials::Table)
        .col(id(Credentials::Id))
        .col(ColumnDef::new(Credentials::TenantId).integer().not_null())
        .col(string(Credentials::Provider))
        .col(ciphertext(Credentials::ClientId).not_null())
        .col(ciphertext(Credentials::ClientSecret).not_null())
        .col(ciphertext(Credentials::RefreshToken).null())
        .col(now(Credentials::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_credentials_tenant_id")
                .from(Credentials::Table, Credentials::TenantId)
                .to(Tenants::Table, Tenants::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn id(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn string(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string_len(255).not_null().to_owned()
}

fn ciphertext(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string_len(512).to_owned()
}

fn flag(name: impl IntoIden, default: bool) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(default)
        .to_owned()
}

fn timestamp(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn now(name: impl IntoIden) -> ColumnDef {
    timestamp(name)
        .default(Expr::current_timestamp())
        .to_owned()
}

fn index<T, C>(name: &str, table: T, columns: impl IntoIterator<Item = C>) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
{
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for column in columns {
        stmt.col(column);
    }
    stmt
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Code,
    Name,
    StorageQuotaBytes,
    FileCountLimit,
    IsActive,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    TenantId,
    Email,
    Username,
    PasswordHash,
    TotpSecret,
    TotpEnabled,
    IsAdmin,
    IsVerified,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Clusters {
    Table,
    Id,
    TenantId,
    Name,
    Description,
    MaxProxies,
    LicenseValidated,
    IsActive,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
    ClusterId,
    Name,
    Host,
    Port,
    Protocol,
    AuthType,
    IsActive,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    Name,
    CertPem,
    KeyPem,
    Issuer,
    AutoRenew,
    RenewBeforeDays,
    IsActive,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    ValidFrom,
    ValidUntil,
}

#[derive(DeriveIden)]
enum Credentials {
    Table,
    Id,
    TenantId,
    Provider,
    ClientId,
    ClientSecret,
    RefreshToken,
    UpdatedAt,
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOREIGN_KEYS: [(&str, &str, &str, &str, &str); 7] = [
        (
            "users",
            "fk_users_tenant_id",
            "tenant_id",
            "tenants",
            "RESTRICT",
        ),
        (
            "clusters",
            "fk_clusters_tenant_id",
            "tenant_id",
            "tenants",
            "CASCADE",
        ),
        (
            "clusters",
            "fk_clusters_created_by",
            "created_by",
            "users",
            "RESTRICT",
        ),
        (
            "services",
            "fk_services_cluster_id",
            "cluster_id",
            "clusters",
            "CASCADE",
        ),
        (
            "services",
            "fk_services_created_by",
            "created_by",
            "users",
            "RESTRICT",
        ),
        (
            "certificates",
            "fk_certificates_created_by",
            "created_by",
            "users",
            "RESTRICT",
        ),
        (
            "credentials",
            "fk_credentials_tenant_id",
            "tenant_id",
            "tenants",
            "CASCADE",
        ),
    ];

    /// The rendered `CREATE TABLE` and `CREATE INDEX` statements, with MySQL's backticks turned
    /// into double quotes so that one set of expectations covers all three backends.
    fn render<B: SchemaBuilder + Default>() -> (Vec<String>, Vec<String>) {
        let unquote = |sql: String| sql.replace('`', "\"");
        (
            tables()
                .iter()
                .map(|t| unquote(t.to_string(B::default())))
                .collect(),
            indexes()
                .iter()
                .map(|i| unquote(i.to_string(B::default())))
                .collect(),
        )
    }

    fn table<'a>(tables: &'a [String], name: &str) -> &'a str {
        let prefix = format!("CREATE TABLE \"{name}\" (");
        tables.iter().find(|sql| sql.starts_with(&prefix)).unwrap()
    }

    fn check<B: SchemaBuilder + Default>(named_foreign_keys: bool) {
        let (tables, indexes) = render::<B>();

        let order: Vec<&str> = tables
            .iter()
            .map(|sql| sql.split('"').nth(1).unwrap())
            .collect();
        let expected = [
            "tenants",
            "users",
            "clusters",
            "services",
            "certificates",
            "credentials",
        ];
        assert_eq!(order, expected);

        for (from, name, column, to, on_delete) in FOREIGN_KEYS {
            let sql = table(&tables, from);
            let clause = format!(
                "FOREIGN KEY (\"{column}\") REFERENCES \"{to}\" (\"id\") ON DELETE {on_delete}"
            );
            assert!(sql.contains(&clause), "{from}: {clause}\n{sql}");
            assert_eq!(
                sql.contains(&format!("CONSTRAINT \"{name}\"")),
                named_foreign_keys
            );
        }
        assert!(tables.iter().all(|sql| !sql.contains("ON UPDATE")));

        for (name, column) in [
            ("tenants", "code"),
            ("users", "email"),
            ("users", "username"),
            ("clusters", "name"),
            ("services", "name"),
            ("certificates", "name"),
        ] {
            let sql = table(&tables, name);
            assert!(sql.contains(&format!("\"{column}\" varchar(255) NOT NULL UNIQUE")));
        }

        let users = table(&tables, "users");
        assert!(users.contains("\"tenant_id\" int"));
        assert!(users.contains("\"totp_secret\" varchar(255) NULL"));
        assert!(users.contains("\"is_admin\" bool"));
        assert!(!users.contains("display_name"));

        let credentials = table(&tables, "credentials");
        assert!(credentials.contains("\"client_id\" varchar(512) NOT NULL"));
        assert!(credentials.contains("\"client_secret\" varchar(512) NOT NULL"));
        assert!(credentials.contains("\"refresh_token\" varchar(512) NULL"));

        let clusters = table(&tables, "clusters");
        assert!(clusters.contains("\"description\" text NULL"));
        assert!(clusters.contains("\"max_proxies\" int") && clusters.contains("DEFAULT 3,"));
        assert!(table(&tables, "services").contains("NOT NULL DEFAULT 'TCP'"));

        let certificates = table(&tables, "certificates");
        assert!(certificates.contains("NOT NULL DEFAULT 30,"));
        assert!(certificates.find("\"created_at\"") < certificates.find("\"valid_from\""));

        for sql in &tables {
            assert!(sql.contains("\"id\" int"), "{sql}");
            assert!(sql.contains("PRIMARY KEY"), "{sql}");
            assert!(!sql.contains("varchar NOT NULL") && !sql.contains("varchar NULL"));
            assert!(sql.contains("DEFAULT CURRENT_TIMESTAMP"), "{sql}");
        }

        assert_eq!(
            indexes,
            [
                r#"CREATE INDEX "idx_tenants_is_active" ON "tenants" ("is_active")"#,
                r#"CREATE INDEX "idx_clusters_is_active" ON "clusters" ("is_active")"#,
                r#"CREATE INDEX "idx_services_cluster_id_is_active" ON "services" ("cluster_id", "is_active")"#,
                r#"CREATE INDEX "idx_certificates_valid_until" ON "certificates" ("valid_until")"#,
                r#"CREATE INDEX "idx_certificates_is_active" ON "certificates" ("is_active")"#,
                r#"CREATE UNIQUE INDEX "uq_credentials_tenant_id_provider" ON "credentials" ("tenant_id", "provider")"#,
            ]
        );
    }

    #[test]
    fn postgres() {
        check::<PostgresQueryBuilder>(true);
        let (tables, _) = render::<PostgresQueryBuilder>();
        let tenants = table(&tables, "tenants");
        assert!(tenants.contains("\"id\" integer GENERATED BY DEFAULT AS IDENTITY NOT NULL"));
        assert!(tenants.contains("\"storage_quota_bytes\" bigint NOT NULL"));
        assert!(tenants.contains("\"created_at\" timestamp with time zone NOT NULL DEFAULT"));
        assert!(tenants.contains("\"is_active\" bool NOT NULL DEFAULT TRUE"));
    }

    #[test]
    fn mysql() {
        check::<MysqlQueryBuilder>(true);
        let (tables, _) = render::<MysqlQueryBuilder>();
        let tenants = table(&tables, "tenants");
        assert!(tenants.contains("\"id\" int NOT NULL PRIMARY KEY AUTO_INCREMENT"));
        assert!(tenants.contains("\"storage_quota_bytes\" bigint NOT NULL"));
        assert!(tenants.contains("\"created_at\" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP"));
    }

    /// SQLite keeps inline foreign keys anonymous.
    #[test]
    fn sqlite() {
        check::<SqliteQueryBuilder>(false);
        let (tables, _) = render::<SqliteQueryBuilder>();
        let tenants = table(&tables, "tenants");
        assert!(tenants.contains("\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT"));
        assert!(tenants.contains("\"is_active\" boolean NOT NULL DEFAULT TRUE"));
    }
}
