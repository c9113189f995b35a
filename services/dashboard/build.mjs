// Builds the dashboard's front-end assets into web/static/dist, which the Go binary embeds:
// GOV.UK Frontend's styles compiled with the hub's own settings (Arial: GDS Transport is for
// GOV.UK services only), its JavaScript, and the dashboard's own enhancements. Run by
// `npm run build` from make, scripts/test.sh, scripts/demo.sh and the image build.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { compile } from 'sass'

const out = 'web/static/dist'
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const css = compile('web/static/app.scss', { style: 'compressed', loadPaths: ['node_modules'], quietDeps: true })
writeFileSync(`${out}/app.css`, css.css)
cpSync('node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js', `${out}/govuk-frontend.min.js`)
cpSync('web/static/app.js', `${out}/app.js`)
console.log(`dashboard assets built in ${out}`)
