#!/usr/bin/env bash
# Checks that the codec's deterministic arithmetic (PortableMath, the frequency computations, and the C kernels of
# Sources/CPortableKernels behind PortableKernels) compiles to separate multiplies and adds, never fused
# multiply-adds, even for CPUs that have FMA: an FMA rounds once where the source rounds twice, so a compiler that
# contracted a * b + c would make the encoder's and the decoder's frequencies differ between machines.
#
# 1. The Swift files, with swiftc for -target-cpu x86-64, haswell, skylake-avx512 and znver3 (x86 assembly). A
#    control function that asks for an FMA explicitly (addingProduct) must show one, proving the check can fail.
# 2. Every C file of CPortableKernels, with clang -O2 -S for -march x86-64, haswell and skylake-avx512, and the
#    kernel files for arm64 too (NEON's fmla and the scalar fmadd are FMAs). The control: the same kernel files with
#    their `#pragma clang fp contract(off)` deleted and -ffp-contract=fast must show FMAs (on every target whose
#    instruction set has them: the AVX2 file even at -march x86-64 has none, its target being "avx2" without
#    "fma"), proving that the pragma is what keeps them out and that the count would see them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/Sources/LMConv/Compression" arithmetic="$root/Sources/LMConv/Arithmetic"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Stand-ins for the two things these files take from elsewhere in the package.
cat > "$work/Stubs.swift" <<'EOF'
public enum RANS { public static let precisionBits = 24 }
public enum Parallelism { public static let threadCount = 2 }
public func parallelFor(_ count: Int, minimumChunk: Int = 4096, _ body: (Range<Int>) -> Void) { body(0..<count) }
EOF
cat > "$work/Control.swift" <<'EOF'
public func fmaControl(_ a: Double, _ b: Double, _ c: Double) -> Double { c.addingProduct(a, b) }
EOF
# PortableKernels.swift without its LMConvTensor import (the stubs stand in), and the C kernels' module for the
# Swift files that call them.
sed '/^import LMConvTensor$/d' "$arithmetic/PortableKernels.swift" > "$work/PortableKernels.swift"
mkdir "$work/cmodule"
printf 'module CPortableKernels {\n    header "%s"\n    export *\n}\n' "$root/Sources/CPortableKernels/include/CPortableKernels.h" \
    > "$work/cmodule/module.modulemap"
files=("$arithmetic/PortableMath.swift" "$arithmetic/PortableLogisticCDF.swift" "$src/FrequencyQuantization.swift" "$src/DiscretizedLogisticMixture.swift"
       "$work/PortableKernels.swift" "$work/Stubs.swift" "$work/Control.swift")
fma='v?f(n)?m(add|sub)[0-9]*[sp][sd]'
status=0
for cpu in x86-64 haswell skylake-avx512 znver3; do
    swiftc -O -wmo -emit-assembly -parse-as-library -module-name CodecArithmetic -target-cpu "$cpu" \
        -I "$work/cmodule" "${files[@]}" \
        -o "$work/$cpu.s"
    # Split the assembly by function and count FMAs outside the control.
    found=$(awk -v pattern="$fma" '
        /^[$_A-Za-z0-9]+:/ { name = $0 }
        $1 ~ "^" pattern "$" && name !~ /fmaControl/ { count++ }
        END { print count + 0 }' "$work/$cpu.s")
    control=$(awk -v pattern="$fma" '/^[$_A-Za-z0-9]+:/ { name = $0 } $1 ~ "^" pattern "$" && name ~ /fmaControl/ { c++ } END { print c + 0 }' "$work/$cpu.s")
    multiplies=$(grep -cE '^\s*v?mul[sp][sd]' "$work/$cpu.s" || true)
    echo "target-cpu $cpu: $found FMA instructions in the codec arithmetic, $multiplies separate multiplies (control: $control FMA)"
    if [ "$found" != 0 ]; then status=1; fi
    if [ "$cpu" != x86-64 ] && [ "$control" = 0 ]; then echo "  the control shows no FMA: the check is broken"; status=1; fi
done

# 2. The C kernels.
kernels="$root/Sources/CPortableKernels"
clang="${CLANG:-clang}"
x86fma='^v?fn?m(add|sub)'                                  # vfmadd*, vfmsub*, vfnmadd*, vfnmsub*, vfmaddsub*, ...
armfma='^(fmla|fmls|fmadd|fmsub|fnmadd|fnmsub)$'
# count_fma PATTERN FILE.s: FMA instructions in an assembly file (the first field of each instruction line).
count_fma() { awk -v pattern="$1" '$1 ~ pattern { c++ } END { print c + 0 }' "$2"; }
for march in x86-64 haswell skylake-avx512; do
    total=0 multiplies=0 control=0 files=0
    for file in "$kernels"/*.c; do
        name=$(basename "$file" .c)
        "$clang" -O2 -S -march="$march" -I"$kernels/include" -I"$kernels" "$file" -o "$work/c-$march-$name.s"
        total=$((total + $(count_fma "$x86fma" "$work/c-$march-$name.s")))
        multiplies=$((multiplies + $(grep -cE '^\s*v?mul[sp][sd]' "$work/c-$march-$name.s" || true)))
        files=$((files + 1))
        case "$name" in MatrixProduct*|Logistic*)
            sed '/^#pragma clang fp contract(off)$/d' "$file" > "$work/control-$name.c"
            "$clang" -O2 -S -march="$march" -ffp-contract=fast -I"$kernels/include" -I"$kernels" "$work/control-$name.c" \
                -o "$work/control-$march-$name.s"
            control=$((control + $(count_fma "$x86fma" "$work/control-$march-$name.s")));;
        esac
    done
    echo "clang -march $march: $total FMA instructions in the $files C files, $multiplies separate multiplies (control without the pragma: $control FMA)"
    if [ "$total" != 0 ]; then status=1; fi
    if [ "$control" = 0 ]; then echo "  the control shows no FMA: the check is broken"; status=1; fi
done
# arm64: the kernel files only, freestanding (they need only stddef.h and stdint.h, which clang has itself), so no
# arm64 sysroot is needed.
total=0 multiplies=0 control=0
for file in "$kernels"/MatrixProduct*.c "$kernels"/Logistic*.c "$kernels"/GateSigmoid.c "$kernels"/FrequencyQuantization.c; do
    name=$(basename "$file" .c)
    "$clang" --target=aarch64-linux-gnu -ffreestanding -O2 -S -I"$kernels/include" -I"$kernels" "$file" -o "$work/c-arm64-$name.s"
    total=$((total + $(count_fma "$armfma" "$work/c-arm64-$name.s")))
    multiplies=$((multiplies + $(grep -cE '^\s*fmul\b' "$work/c-arm64-$name.s" || true)))
    sed '/^#pragma clang fp contract(off)$/d' "$file" > "$work/control-$name.c"
    "$clang" --target=aarch64-linux-gnu -ffreestanding -O2 -S -ffp-contract=fast -I"$kernels/include" -I"$kernels" \
        "$work/control-$name.c" -o "$work/control-arm64-$name.s"
    control=$((control + $(count_fma "$armfma" "$work/control-arm64-$name.s")))
done
echo "clang --target aarch64: $total FMA instructions in the kernel files, $multiplies separate multiplies (control without the pragma: $control FMA)"
if [ "$total" != 0 ]; then status=1; fi
if [ "$control" = 0 ]; then echo "  the control shows no FMA: the check is broken"; status=1; fi
exit $status
