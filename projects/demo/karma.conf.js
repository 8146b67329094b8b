// Karma for the demo's component specs: the library's settings (Debian Chromium, headless, no
// Google services), in one place.
module.exports = require('../ngx-auth-socket/karma.conf.js');
