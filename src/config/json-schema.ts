/** JSON Schema of strangler.yaml for editors (yaml-language-server), derived from the zod schema. */
import { z } from 'zod';
import { configSchema } from './schema.ts';

export function configJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://strangler.dev/schema/strangler.schema.json',
    title: 'strangler.yaml',
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
