import { z } from 'zod';

export const documentIdSchema = z.uuid({ message: 'Not a document id.' });

export const createDocumentInput = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'Give the document a title.')
    .max(200, 'Keep the title under 200 characters.'),
  body: z.string().max(100_000, 'Keep the body under 100,000 characters.').default(''),
});
export type CreateDocumentInput = z.infer<typeof createDocumentInput>;

export const updateDocumentInput = createDocumentInput.extend({ id: documentIdSchema });
export type UpdateDocumentInput = z.infer<typeof updateDocumentInput>;

export const listDocumentsInput = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
