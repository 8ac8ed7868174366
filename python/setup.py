"""Builds the reprint package: the _reprint extension (Limited API, abi3, Python 3.9+) linked
with libreprint's objects (the static archive from the CMake build), so the installed module
needs no library path. The archive is taken from REPRINT_BUILD_DIR, else ../build; when it is
missing there, CMake builds it into python/build-lib first (Debian's cmake and compilers)."""
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEPS = ["libxxhash", "libutf8proc", "jansson", "zlib", "libzstd", "lmdb", "libxml-2.0"]


def fail(message):
    sys.exit("reprint: " + message)


def library_archive():
    """The path of libreprint.a, building it with CMake when no build holds one."""
    if not os.path.exists(os.path.join(ROOT, "src", "reprint.h")):
        fail(f"cannot find the reprint sources: {ROOT}/src/reprint.h is missing "
             "(install from a checkout: pip install ./python)")
    for build in (os.environ.get("REPRINT_BUILD_DIR"), os.path.join(ROOT, "build"),
                  os.path.join(HERE, "build-lib")):
        if build and os.path.exists(os.path.join(build, "libreprint.a")):
            return os.path.join(build, "libreprint.a")
    if not shutil.which("cmake"):
        fail("libreprint.a is not built and cmake is missing: run 'make build' first")
    build = os.path.join(HERE, "build-lib")
    subprocess.check_call(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                           "-DREPRINT_TESTS=OFF", "-DREPRINT_BENCH=OFF"])
    subprocess.check_call(["cmake", "--build", build, "--target", "reprint_static", "-j2"])
    return os.path.join(build, "libreprint.a")


def pkg_config_libs():
    try:
        out = subprocess.check_output(["pkg-config", "--libs"] + DEPS, text=True)
    except (OSError, subprocess.CalledProcessError):
        fail("pkg-config cannot find " + " ".join(DEPS) + ": run 'make deps' first")
    return out.split() + ["-lpthread"]


ARCHIVE = library_archive()
extension = Extension(
    "reprint._reprint",
    sources=["src/_reprint.c"],
    include_dirs=[os.path.join(ROOT, "src")],
    define_macros=[("Py_LIMITED_API", "0x03090000")],
    extra_compile_args=["-std=c11", "-D_POSIX_C_SOURCE=200809L"],
    extra_objects=[ARCHIVE],
    depends=[ARCHIVE, os.path.join(ROOT, "src", "reprint.h")],  # relink when the library changes
    extra_link_args=pkg_config_libs(),
    py_limited_api=True,
)

setup(ext_modules=[extension])
