// Request validation with fastify's own ajv compiler, in two flavours: JSON bodies are checked
// without type coercion, while params and querystrings (always text on the wire) still coerce.
// fastify's default coerces everywhere, so `"encrypt": "true"` became true and `"name": 5` became
// "5": a client sending the wrong type got a silent guess instead of a 400 naming the field.
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';

/** The `schemaController.compilersFactory.buildValidator` of the DP's fastify instance. */
export function strictBodyValidators(): ValidatorFactory {
  const pool = AjvCompiler();
  return (externalSchemas, options) => {
    // The DP's schemas are JSON Schema (never JTD): only those options are passed on.
    const shared = options?.mode === 'JTD' ? {} : { ...options };
    const coercing = pool(externalSchemas, shared);
    const strict = pool(externalSchemas, { ...shared, customOptions: { ...shared.customOptions, coerceTypes: false } });
    return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
  };
}
