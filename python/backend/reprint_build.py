"""The package's build backend: setuptools' own when the interpreter has the wheel package
(Debian's python3 has it through python3-wheel), else a small wheel writer over `setup.py
build`, so `pip install --no-build-isolation ./python` also works from an interpreter that has
setuptools but not wheel (a pyenv Python, say) without downloading anything."""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

from setuptools import build_meta as _setuptools

NAME, VERSION = "reprint", "0.1.0"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:
    import wheel  # noqa: F401  (setuptools builds wheels through it)
    HAS_WHEEL = True
except ImportError:
    HAS_WHEEL = False

get_requires_for_build_sdist = _setuptools.get_requires_for_build_sdist
build_sdist = _setuptools.build_sdist


def get_requires_for_build_wheel(config_settings=None):
    return _setuptools.get_requires_for_build_wheel(config_settings) if HAS_WHEEL else []


if HAS_WHEEL:
    prepare_metadata_for_build_wheel = _setuptools.prepare_metadata_for_build_wheel


def _tag():
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"cp39-abi3-{platform}"


def _record_line(root, rel):
    with open(os.path.join(root, rel), "rb") as f:
        data = f.read()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{rel},sha256={digest},{len(data)}"


def _dist_info(root, tag):
    info = os.path.join(root, f"{NAME}-{VERSION}.dist-info")
    os.makedirs(info)
    with open(os.path.join(info, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n"
                "Requires-Python: >=3.9\n")
    with open(os.path.join(info, "WHEEL"), "w") as f:
        f.write(f"Wheel-Version: 1.0\nGenerator: reprint_build\nRoot-Is-Purelib: false\n"
                f"Tag: {tag}\n")
    files = sorted(os.path.relpath(os.path.join(d, n), root)
                   for d, _, names in os.walk(root) for n in names)
    record = f"{NAME}-{VERSION}.dist-info/RECORD"
    with open(os.path.join(root, record), "w") as f:
        f.write("\n".join(_record_line(root, rel) for rel in files) + f"\n{record},,\n")


def _own_wheel(wheel_directory):
    tag = _tag()
    with tempfile.TemporaryDirectory() as tmp:
        lib = os.path.join(tmp, "lib")
        subprocess.check_call([sys.executable, "setup.py", "build", "--build-lib", lib,
                               "--build-temp", os.path.join(tmp, "temp")], cwd=HERE)
        shutil.rmtree(os.path.join(lib, f"{NAME}.egg-info"), ignore_errors=True)
        _dist_info(lib, tag)
        name = f"{NAME}-{VERSION}-{tag}.whl"
        with zipfile.ZipFile(os.path.join(wheel_directory, name), "w",
                             zipfile.ZIP_DEFLATED) as z:
            for d, _, names in os.walk(lib):
                for n in sorted(names):
                    path = os.path.join(d, n)
                    z.write(path, os.path.relpath(path, lib))
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if HAS_WHEEL:
        return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    return _own_wheel(wheel_directory)
