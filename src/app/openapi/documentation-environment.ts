/**
 * Imported before app.module by the generator: ConfigModule validates the
 * environment when app.module is first imported. The document reads no setting,
 * so a clean clone without .env gets a placeholder for the one required variable.
 */
process.env.ADMIN_TOKEN ??= 'placeholder-openapi-generation';
