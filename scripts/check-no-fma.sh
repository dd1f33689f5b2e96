#!/usr/bin/env bash
# Checks that the codec's deterministic arithmetic (PortableMath, the frequency computations, PortableKernels)
# compiles to separate multiplies and adds, never fused multiply-adds, even for CPUs that have FMA: an FMA rounds
# once where the source rounds twice, so a compiler that contracted a * b + c would make the encoder's and the
# decoder's frequencies differ between machines. x86-64 only (it reads x86 assembly).
#
# A control function that asks for an FMA explicitly (addingProduct) must show one, proving the check can fail.
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
sed '/^import LMConvTensor$/d' "$arithmetic/PortableKernels.swift" > "$work/PortableKernels.swift"
files=("$arithmetic/PortableMath.swift" "$arithmetic/PortableLogisticCDF.swift" "$src/FrequencyQuantization.swift" "$src/DiscretizedLogisticMixture.swift"
       "$work/PortableKernels.swift" "$work/Stubs.swift" "$work/Control.swift")
fma='v?f(n)?m(add|sub)[0-9]*[sp][sd]'
status=0
for cpu in x86-64 haswell skylake-avx512 znver3; do
    swiftc -O -wmo -emit-assembly -parse-as-library -module-name CodecArithmetic -target-cpu "$cpu" "${files[@]}" \
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
exit $status
