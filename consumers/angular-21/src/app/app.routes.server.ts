import { RenderMode, ServerRoute } from '@angular/ssr';

// Rendered per request (the CLI's default is Prerender, at build time), so the consumers test can
// watch what the server render does.
export const serverRoutes: ServerRoute[] = [
  {
    path: '**',
    renderMode: RenderMode.Server
  }
];
