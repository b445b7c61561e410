fn main() {
    seamigrate::cli::main_with_entities::<migration::Migrator>(migration::entities())
}
