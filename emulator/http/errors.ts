/**
 * An error the emulator answers with, in Graph's envelope. Handlers throw it; the server turns it
 * into `{"error":{"code","message","innerError":{date,request-id,client-request-id}}}`.
 */
export interface ErrorDetail {
  code: string;
  message?: string;
  target?: string;
}

export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: ErrorDetail[]) =>
  new GraphHttpError(400, 'Request_BadRequest', message, details);

export const unsupportedQuery = (message: string) =>
  new GraphHttpError(400, 'Request_UnsupportedQuery', message);

export const notFound = (id: string) =>
  new GraphHttpError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const methodNotAllowed = () =>
  new GraphHttpError(
    405,
    'Request_BadRequest',
    'Specified HTTP method is not allowed for the request target.',
  );

export const forbidden = () =>
  new GraphHttpError(
    403,
    'Authorization_RequestDenied',
    'Insufficient privileges to complete the operation.',
  );

/** Graph's advanced-query refusal for an operator used without ConsistencyLevel: eventual + $count=true. */
export const needsAdvancedQuery = (operator: string) =>
  unsupportedQuery(
    `Operator '${operator}' is not supported because the required parameters might be missing. ` +
      'Try adding $count=true query parameter and ConsistencyLevel:eventual header. ' +
      'Refer to https://aka.ms/graph-docs/advanced-queries for more information',
  );

/** Graph's refusal for a property/operator pair its index does not support. */
export const unsupportedFilterClause = (property: string, resource: string) =>
  unsupportedQuery(
    `Unsupported or invalid query filter clause specified for property '${property}' of resource '${resource}'.`,
  );
