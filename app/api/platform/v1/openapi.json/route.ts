// GET /api/platform/v1/openapi.json — the platform API's OpenAPI 3.1 document (documentation: no token needed)
import { openApiDocument } from '@/lib/api';

export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json(openApiDocument('platform'), {
    headers: { 'cache-control': 'public, max-age=300' },
  });
}
