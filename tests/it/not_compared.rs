//! `check` is never silently equal: what the model does not compare (triggers, comments,
//! collations, sequences owned by no column, PostgreSQL indexes with NULLS FIRST/LAST) is
//! listed as "not compared", never drafted as a change, and fails `check --strict`.

use crate::autogen_cli::entities_cli;
use crate::support::{Kind, TestDb};
use sea_orm::ConnectionTrait;

/// Statements that add what `check` cannot compare, and the lines it must list for them.
fn extras(kind: Kind) -> (Vec<&'static str>, Vec<&'static str>) {
    match kind {
        Kind::Postgres => (
            vec!["CREATE INDEX idx_users_email_nulls ON users (email NULLS FIRST)", "CREATE FUNCTION keep_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "CREATE TRIGGER trg_users BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION keep_row()",
                 "CREATE SEQUENCE invoice_numbers", "COMMENT ON TABLE tenants IS 'Customers'", "COMMENT ON COLUMN users.email IS 'Login'",
                 "ALTER TABLE users ALTER COLUMN username TYPE varchar(255) COLLATE \"C\""],
            vec!["NULLS FIRST/LAST index idx_users_email_nulls on users", "trigger trg_users on users", "sequence owned by no column invoice_numbers",
                 "table comment tenants", "column comment email on users", "column with a collation username on users"],
        ),
        Kind::Mysql => (
            vec!["CREATE TRIGGER trg_users BEFORE INSERT ON users FOR EACH ROW SET NEW.email = LOWER(NEW.email)",
                 "ALTER TABLE tenants COMMENT = 'Customers'", "ALTER TABLE users MODIFY email VARCHAR(255) NOT NULL COMMENT 'Login'",
                 "ALTER TABLE users MODIFY username VARCHAR(255) COLLATE latin1_bin NOT NULL"],
            vec!["trigger trg_users on users", "table comment tenants", "column comment email on users", "column with a collation username on users"],
        ),
        Kind::Sqlite => (
            vec!["CREATE TRIGGER trg_users AFTER INSERT ON users BEGIN SELECT 1; END"],
            vec!["trigger trg_users on users"],
        ),
    }
}

async fn what_is_not_compared_is_named(db: TestDb) {
    let url = db.url.as_str();
    assert_eq!(entities_cli(&["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    let (statements, expected) = extras(db.kind);
    for sql in statements {
        conn.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let (code, out, err) = entities_cli(&["-u", url, "check"]).await;
    assert_eq!(code, 0, "nothing that is compared differs: {out}{err}");
    assert!(out.contains(&format!("Not compared ({}):", expected.len())), "{out}");
    for line in &expected {
        assert!(out.contains(&format!("\n  {line}\n")), "{line} missing from:\n{out}");
    }
    let (code, out, _) = entities_cli(&["-u", url, "--format", "json", "check", "--strict"]).await;
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["error"]["kind"], "not-compared");
    assert_eq!(json["error"]["not_compared"].as_array().unwrap().len(), expected.len(), "{out}");
    let (code, out, err) = entities_cli(&["-u", url, "autogenerate", "nothing", "--preview"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("No differences"), "no drop is drafted for what is not compared: {out}{err}");
    assert!(err.contains("not compared (left as it is):") && err.contains("trigger trg_users on users"), "{err}");
}

crate::on_each_backend!(what_is_not_compared_is_named);
