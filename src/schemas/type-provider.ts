/**
 * A Fastify type provider that types a route's params, query string, body and headers from the JSON
 * schemas that validate them (json-schema-to-ts; types only, nothing at run time), so a request type
 * is never written a second time by hand.
 *
 * Replies stay untyped here, unlike @fastify/type-provider-json-schema-to-ts: json-schema-to-ts reads
 * a response schema without `additionalProperties: false` as an open record, which the services'
 * plain interfaces (ApiMessage, Conversation, …) do not satisfy; the response schemas still shape
 * every reply at run time (fast-json-stringify).
 */
import type { FastifyTypeProvider } from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

export interface RequestTypesFromSchema extends FastifyTypeProvider {
  validator: this['schema'] extends JSONSchema ? FromSchema<this['schema']> : unknown;
  serializer: unknown;
}
