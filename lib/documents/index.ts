export * from './documents';
export { loadDocumentOr404, loadDocumentPage } from './page-data';
