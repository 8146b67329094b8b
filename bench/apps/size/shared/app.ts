/**
 * App A, the size baseline: a zoneless production app with one component that uses HttpClient.
 * Every size probe boots this same app; a probe adds only its providers and a setup hook that runs
 * in the component's injection context, so the difference between two bundles is the probe.
 */
import { HttpClient } from '@angular/common/http';
import { Component, EnvironmentProviders, InjectionToken, Provider, inject, provideZonelessChangeDetection, signal } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';

/** Runs once in the root component's constructor (injection context). */
export const PROBE_SETUP = new InjectionToken<() => void>('PROBE_SETUP');

@Component({
  selector: 'app-root',
  template: `<button (click)="load()">Load</button> <p>{{ status() }}</p>`,
})
export class AppRoot {
  private readonly http = inject(HttpClient);
  readonly status = signal('idle');

  constructor() {
    inject(PROBE_SETUP, { optional: true })?.();
  }

  load(): void {
    this.http.get<{ ok: boolean }>('/api/status').subscribe((body) => this.status.set(String(body.ok)));
  }
}

export function start(providers: Array<Provider | EnvironmentProviders>): void {
  bootstrapApplication(AppRoot, { providers: [provideZonelessChangeDetection(), ...providers] }).catch((e: unknown) => console.error(e));
}
