"""OCR servers: the stored server list, the HTTP protocol with its client and app, and the
dispatch of pages across servers."""
