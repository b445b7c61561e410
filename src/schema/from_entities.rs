//! The schema that sea-orm entities describe, read from the very statements sea-orm would run
//! to create them (`sea_orm::Schema::create_table_from_entity` and
//! `create_index_from_entity`), so that it means what sea-orm means by each attribute.

use super::model::{ColumnType, EnumType, Schema, Table, View};
use super::sql_text;
use super::statement;
use crate::db::Backend;
use sea_orm::sea_query::{ColumnType as SqType, Expr, IndexCreateStatement};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, IdenStatic, Iterable};

/// The entities of an application, registered once, from which the schema they describe can be
/// built for any backend. It lives in the migration crate, which can see the entities:
///
/// ```ignore
/// let entities = EntitySet::new().register(tenants::Entity).register(users::Entity);
/// let wanted = entities.schema(Backend::Postgres);
/// ```
#[derive(Debug, Clone, Default)]
pub struct EntitySet {
    entities: Vec<Registered>,
    /// Indexes declared beside the entities, by table.
    indexes: Vec<(&'static str, IndexCreateStatement)>,
    /// CHECK constraints declared beside the entities: table, name, condition.
    checks: Vec<(&'static str, String, Expr)>,
    /// Generated columns declared beside the entities: table, column, expression, stored.
    generated: Vec<(&'static str, String, Expr, bool)>,
    /// Views declared beside the entities: name, query, materialized.
    views: Vec<(String, String, bool)>,
    /// PostgreSQL extensions the schema needs.
    extensions: Vec<String>,
}

/// One registered entity: its table name and how to describe it.
#[derive(Debug, Clone, Copy)]
struct Registered {
    table: &'static str,
    describe: fn(DbBackend) -> Described,
}

/// An entity's table and the enum types its columns use.
struct Described {
    table: Table,
    enums: Vec<EnumType>,
}

impl EntitySet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `entity`; an entity whose table is already registered is ignored.
    pub fn register<E: EntityTrait>(mut self, entity: E) -> Self {
        let table = entity.table_name();
        if !self.entities.iter().any(|e| e.table == table) {
            self.entities.push(Registered {
                table,
                describe: describe::<E>,
            });
        }
        self
    }

    /// Adds an index of `entity`'s table that its attributes cannot declare: sea-orm's
    /// `indexed` and `unique` name one column each, so a composite index is declared here,
    /// e.g. `Index::create().name("idx_services_cluster_id_is_active")
    /// .col(services::Column::ClusterId).col(services::Column::IsActive).to_owned()`.
    pub fn index<E: EntityTrait>(mut self, entity: E, index: IndexCreateStatement) -> Self {
        self.indexes.push((entity.table_name(), index));
        self
    }

    /// Adds a CHECK constraint named `name` to `entity`'s table (sea-orm's attributes have none),
    /// e.g. `.check(users::Entity, "ck_users_email", Expr::col(users::Column::Email).like("%@%"))`.
    /// The condition is compared with the database's in canonical form (see `docs/autogenerate.md`).
    pub fn check<E: EntityTrait>(mut self, entity: E, name: &str, condition: Expr) -> Self {
        self.checks.push((entity.table_name(), name.to_owned(), condition));
        self
    }

    /// Makes `column` of `entity` a generated column computing `expression` (stored in the row
    /// when `stored`, else computed when read), which sea-orm's attributes cannot say, e.g.
    /// `.generated(users::Entity, users::Column::EmailLower, Expr::cust("lower(email)"), true)`.
    pub fn generated<E: EntityTrait>(mut self, entity: E, column: E::Column, expression: Expr, stored: bool) -> Self {
        self.generated.push((entity.table_name(), column.as_str().to_owned(), expression, stored));
        self
    }

    /// Adds the view `name` with the query `definition` (materialized on PostgreSQL when
    /// `materialized`), e.g. `.view("active_users", "SELECT id, email FROM users WHERE is_active",
    /// false)`. An entity registered for a table of that name is mapped onto the view: it is no
    /// table to create. The query is compared with the database's in canonical form.
    pub fn view(mut self, name: &str, definition: &str, materialized: bool) -> Self {
        self.views.push((name.to_owned(), definition.to_owned(), materialized));
        self
    }

    /// Adds the PostgreSQL extension `name` (e.g. `pg_trgm` for `gin_trgm_ops` indexes) to what
    /// the schema needs; other backends have none, and leave it out.
    pub fn extension(mut self, name: &str) -> Self {
        self.extensions.push(name.to_owned());
        self
    }

    /// The registered tables' names, in registration order.
    pub fn table_names(&self) -> Vec<&'static str> {
        self.entities.iter().map(|e| e.table).collect()
    }

    /// The schema the entities describe on `backend`, as sea-orm would create it; not yet
    /// normalised (see [`super::normalise()`]).
    pub fn schema(&self, backend: Backend) -> Schema {
        let backend = backend.to_sea_orm();
        let mut schema = Schema::default();
        for entity in &self.entities {
            let described = (entity.describe)(backend);
            for e in described.enums {
                schema.enums.insert(e.name.clone(), e);
            }
            schema
                .tables
                .insert(described.table.name.clone(), described.table);
        }
        for (table, index) in &self.indexes {
            if let Some(table) = schema.tables.get_mut(*table) {
                table.indexes.push(statement::index(index, backend));
            }
        }
        for (table, column, expression, stored) in &self.generated {
            let column = schema.tables.get_mut(*table).and_then(|t| t.columns.iter_mut().find(|c| c.name == *column));
            if let Some(column) = column {
                column.generated = Some(statement::generated(expression, *stored, backend));
                column.default = None;
            }
        }
        schema.extensions.extend(self.extensions.iter().cloned());
        for (name, definition, materialized) in &self.views {
            let ours = Backend::from_sea_orm(backend);
            let definition = sql_text::query(definition, ours, ours).unwrap_or_else(|_| definition.clone());
            schema.tables.remove(name);
            schema.views.insert(name.clone(), View { name: name.clone(), definition, materialized: *materialized });
        }
        for (table, name, condition) in &self.checks {
            if let Some(table) = schema.tables.get_mut(*table) {
                table.checks.push(statement::check(name, condition, backend));
            }
        }
        schema
    }
}

fn describe<E: EntityTrait>(backend: DbBackend) -> Described {
    let helper = sea_orm::Schema::new(backend);
    let entity = E::default();
    let create = helper.create_table_from_entity(entity);
    let indexes = helper.create_index_from_entity(entity);
    let mut table = statement::table(&create, &indexes, backend);
    forget_generated_index_names(&mut table);
    forget_generated_foreign_key_names(&mut table);
    let mut enums = Vec::new();
    for column in E::Column::iter() {
        if let SqType::Enum { name, variants } = column.def().get_column_type() {
            let name = name.to_string();
            // sea-orm spells an enum column per backend (a type name, `ENUM(...)`, text);
            // the model names the enum and leaves its spelling to `normalise`.
            let column_name = column.as_str();
            if let Some(c) = table.columns.iter_mut().find(|c| c.name == column_name) {
                c.ty = ColumnType::Enum(name.clone());
            }
            let values = variants.iter().map(|v| v.to_string()).collect();
            enums.push(EnumType { name, values });
        }
    }
    Described { table, enums }
}

/// Forgets the names sea-orm makes up for foreign keys (`fk-<table>-<column>`): a draft names
/// a new key `fk_<table>_<columns>`, as the documentation says.
fn forget_generated_foreign_key_names(table: &mut Table) {
    for fk in &mut table.foreign_keys {
        let made = format!("fk-{}-{}", table.name, fk.columns.join("-"));
        if fk.name.as_deref() == Some(made.as_str()) {
            fk.name = None;
        }
    }
}

/// Forgets the names sea-orm makes up for `indexed` columns (`idx-<table>-<column>`): they
/// name nothing the user chose, so a new index is named by the project's convention instead.
fn forget_generated_index_names(table: &mut Table) {
    for index in &mut table.indexes {
        let made = format!("idx-{}-{}", table.name, index.columns.join("-"));
        if index.name.as_deref() == Some(made.as_str()) {
            index.name = None;
        }
    }
}
