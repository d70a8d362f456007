// Chi-square machinery for distribution tests: the p-value is the regularized upper incomplete gamma
// Q(k/2, x/2), by its series below a + 1 and its continued fraction above (Numerical Recipes, ch. 6.2).

func logGamma(_ x: Double) -> Double {
    // Lanczos approximation, g = 7, n = 9.
    let c: [Double] = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                       -176.61502916214059, 12.507343278686905, -0.13857109526572012,
                       9.9843695780195716e-6, 1.5056327351493116e-7]
    precondition(x >= 0.5, "only half-integer and integer arguments >= 1/2 are needed here")
    let z = x - 1
    var a = c[0]
    let t = z + 7.5
    for i in 1..<9 { a += c[i] / (z + Double(i)) }
    return 0.5 * ln(2 * Double.pi) + (z + 0.5) * ln(t) - t + ln(a)
}

/// Natural logarithm without Foundation: range-reduce to [1, 2), then atanh series.
func ln(_ x: Double) -> Double {
    precondition(x > 0)
    let e = x.exponent
    let m = x.significand      // in [1, 2)
    let y = (m - 1) / (m + 1)
    var sum = 0.0, term = y
    var k = 1.0
    while abs(term / k) > 1e-17 { sum += term / k; term *= y * y; k += 2 }
    return 2 * sum + Double(e) * 0.69314718055994530942
}

func exp(_ x: Double) -> Double {
    // e^x = 2^k * e^r with |r| <= ln2/2, Taylor for e^r.
    let k = (x / 0.69314718055994530942).rounded()
    let r = x - k * 0.69314718055994530942
    var sum = 1.0, term = 1.0
    for n in 1..<30 { term *= r / Double(n); sum += term }
    return Double(sign: .plus, exponent: Int(k), significand: sum)
}

/// Q(a, x) = Γ(a, x) / Γ(a).
func regularizedUpperGamma(_ a: Double, _ x: Double) -> Double {
    precondition(a > 0 && x >= 0)
    if x == 0 { return 1 }
    let prefix = exp(-x + a * ln(x) - logGamma(a))
    if x < a + 1 {
        var sum = 1 / a, term = 1 / a, n = a
        for _ in 0..<10_000 {
            n += 1
            term *= x / n
            sum += term
            if abs(term) < abs(sum) * 1e-15 { break }
        }
        return 1 - sum * prefix
    }
    // Lentz's continued fraction.
    let tiny = 1e-300
    var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
    for i in 1..<10_000 {
        let an = -Double(i) * (Double(i) - a)
        b += 2
        d = an * d + b; if abs(d) < tiny { d = tiny }
        c = b + an / c; if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15 { break }
    }
    return prefix * h
}

/// Pearson's chi-square test of homogeneity for two samples over the same bins: (statistic, dof, p-value).
func chiSquareHomogeneity(_ a: [Int], _ b: [Int]) -> (statistic: Double, dof: Int, p: Double) {
    precondition(a.count == b.count)
    let na = Double(a.reduce(0, +)), nb = Double(b.reduce(0, +))
    var stat = 0.0
    var bins = 0
    for (x, y) in zip(a, b) where x + y > 0 {
        bins += 1
        let total = Double(x + y)
        let ea = total * na / (na + nb), eb = total * nb / (na + nb)
        stat += (Double(x) - ea) * (Double(x) - ea) / ea + (Double(y) - eb) * (Double(y) - eb) / eb
    }
    let dof = bins - 1
    return (stat, dof, regularizedUpperGamma(Double(dof) / 2, stat / 2))
}
