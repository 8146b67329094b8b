// App A: the baseline every other probe is compared with.
import { provideHttpClient } from '@angular/common/http';
import { start } from './shared/app';

start([provideHttpClient()]);
