//! Small migrations for tests, each named by the version it is given.

use sea_orm_migration::prelude::*;
use std::time::Duration;

/// Creates table `table` (id, name, and `extra` when asked); down() drops it.
pub struct CreateTable {
    pub version: &'static str,
    pub table: &'static str,
    pub extra: bool,
    /// Sleeps this long inside up(), to make concurrent runs overlap.
    pub pause: Duration,
}

pub fn table(version: &'static str, table: &'static str) -> Box<dyn MigrationTrait> {
    Box::new(CreateTable { version, table, extra: false, pause: Duration::ZERO })
}

impl MigrationName for CreateTable {
    fn name(&self) -> &str {
        self.version
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTable {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut create = Table::create();
        create
            .table(Alias::new(self.table))
            .col(ColumnDef::new(Alias::new("id")).integer().not_null().auto_increment().primary_key())
            .col(ColumnDef::new(Alias::new("name")).string_len(100).not_null());
        if self.extra {
            create.col(ColumnDef::new(Alias::new("extra")).integer().null());
        }
        manager.create_table(create.to_owned()).await?;
        if !self.pause.is_zero() {
            tokio::time::sleep(self.pause).await;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(self.table)).to_owned())
            .await
    }
}

/// Creates table `table`, then fails on a second statement (creating it again).
pub struct Failing {
    pub version: &'static str,
    pub table: &'static str,
}

pub fn failing(version: &'static str, table: &'static str) -> Box<dyn MigrationTrait> {
    Box::new(Failing { version, table })
}

impl MigrationName for Failing {
    fn name(&self) -> &str {
        self.version
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Failing {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let create = Table::create()
            .table(Alias::new(self.table))
            .col(ColumnDef::new(Alias::new("id")).integer().not_null().primary_key())
            .to_owned();
        manager.create_table(create.clone()).await?;
        manager.create_table(create).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(self.table)).if_exists().to_owned())
            .await
    }
}

/// Inserts its own number into `table` (the first creates it), so a marker that runs twice
/// fails on the primary key; down() takes it out again.
pub struct Marker(pub usize, String, &'static str);

impl Marker {
    pub fn new(n: usize, version: String, table: &'static str) -> Marker {
        Marker(n, version, table)
    }
}

impl MigrationName for Marker {
    fn name(&self) -> &str {
        &self.1
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Marker {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if self.0 == 1 {
            let table = Table::create()
                .table(Alias::new(self.2))
                .col(ColumnDef::new(Alias::new("n")).integer().not_null().primary_key())
                .to_owned();
            manager.create_table(table).await?;
        }
        let insert = Query::insert()
            .into_table(Alias::new(self.2))
            .columns([Alias::new("n")])
            .values_panic([(self.0 as i32).into()])
            .to_owned();
        manager.get_connection().execute(&insert).await.map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if self.0 == 1 {
            return manager.drop_table(Table::drop().table(Alias::new(self.2)).to_owned()).await;
        }
        let delete = Query::delete()
            .from_table(Alias::new(self.2))
            .and_where(Expr::col(Alias::new("n")).eq(self.0 as i32))
            .to_owned();
        manager.get_connection().execute(&delete).await.map(drop)
    }
}
