# Builds the kiosk terminal for Windows as one folder, dist\kiosk, and smoke-tests it.
# Run in PowerShell from the checkout, on Windows 10/11 with Python 3.11 (64-bit) installed:
#
#   powershell -ExecutionPolicy Bypass -File build_scripts\build_windows.ps1
#
# It makes .venv-win, installs the kiosk with the pinned versions (constraints.txt), the
# kivy_deps packages (SDL2, GLEW, ANGLE) and PyInstaller, builds kiosk-windows.spec, then
# checks: kiosk.exe --smoke prints "ready in N s"; kiosk.exe shots draws the home screen;
# kiosk.exe status --json answers. It cannot be run on the project's Linux CI: see
# docs/install.md, "Windows", for what an IT officer checks on the terminal itself.
$ErrorActionPreference = "Stop"
$root = Split-Path -Parent $PSScriptRoot
Set-Location $root
$venv = Join-Path $root ".venv-win"
$py = Join-Path $venv "Scripts\python.exe"

if (-not (Test-Path $py)) {
    Write-Host "making $venv"
    py -3.11 -m venv $venv
    if ($LASTEXITCODE -ne 0) { throw "Python 3.11 (64-bit) is needed: https://www.python.org/downloads/windows/" }
}
& $py -m pip install -q --upgrade pip
& $py -m pip install -q -c constraints.txt -e ".[test]"
if ($LASTEXITCODE -ne 0) { throw "pip could not install the kiosk" }
# Kivy's Windows libraries, as Kivy 2.3.1 asks for them (pip installs them with Kivy on
# Windows; named here so a build fails early and clearly when they are missing).
& $py -m pip install -q "kivy_deps.sdl2~=0.8.0" "kivy_deps.glew~=0.3.1" "kivy_deps.angle~=0.4.0"
if ($LASTEXITCODE -ne 0) { throw "pip could not install kivy_deps (sdl2, glew, angle)" }
& $py -m kiosk.core.i18n compile

# ANGLE (OpenGL ES over Direct3D) works on the weak or missing OpenGL drivers of many PCs.
$env:KIVY_GL_BACKEND = "angle_sdl2"
$env:KIOSK_SPEC_ROOT = $root
& (Join-Path $venv "Scripts\pyinstaller.exe") --noconfirm --log-level WARN `
    --distpath dist --workpath build\pyinstaller-win build_scripts\kiosk-windows.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

$exe = Join-Path $root "dist\kiosk\kiosk.exe"
$scratch = Join-Path ([IO.Path]::GetTempPath()) ("kiosk-check-" + [guid]::NewGuid())
New-Item -ItemType Directory $scratch | Out-Null
$env:KIOSK_DATA_DIR = Join-Path $scratch "data"
$env:KIVY_HOME = Join-Path $scratch "kivy"
$env:KIOSK_WINDOWED = "1"
try {
    Write-Host "check: kiosk --smoke"
    $out = & $exe --smoke 2>$null
    if ($LASTEXITCODE -ne 0 -or -not ($out -match "^ready in [0-9.]+ s$")) {
        throw "kiosk --smoke failed: '$out'"
    }
    Write-Host "  $out"
    Write-Host "check: a screenshot of the bundle is not blank"
    & $exe shots --out (Join-Path $scratch "shots") --lang en ar --screens home 2>$null | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "kiosk shots failed" }
    & $py build_scripts\check_screenshot.py (Join-Path $scratch "shots\en-home.png") (Join-Path $scratch "shots\ar-home.png")
    if ($LASTEXITCODE -ne 0) { throw "a screenshot is blank" }
    Write-Host "check: kiosk status --json"
    $status = & $exe status --json | ConvertFrom-Json
    if ($status.services -lt 1) { throw "kiosk status --json: no services" }
    $size = [math]::Round(((Get-ChildItem -Recurse dist\kiosk | Measure-Object -Sum Length).Sum / 1MB))
    Write-Host "bundle ready: dist\kiosk ($size MB); run dist\kiosk\kiosk.exe"
} finally {
    Remove-Item -Recurse -Force $scratch -ErrorAction SilentlyContinue
}
