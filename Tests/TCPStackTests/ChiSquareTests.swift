import Testing

@Suite struct ChiSquareTests {
    // Reference values from chi-square tables (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.4).
    @Test func pValueMatchesTabulatedCriticalValues() {
        #expect(abs(regularizedUpperGamma(7.0 / 2, 18.475 / 2) - 0.01) < 1e-4)    // dof 7, p = 0.01
        #expect(abs(regularizedUpperGamma(7.0 / 2, 14.067 / 2) - 0.05) < 1e-4)    // dof 7, p = 0.05
        #expect(abs(regularizedUpperGamma(1.0 / 2, 3.841 / 2) - 0.05) < 1e-4)     // dof 1, p = 0.05
        #expect(abs(regularizedUpperGamma(10.0 / 2, 2.558 / 2) - 0.99) < 1e-4)    // dof 10, p = 0.99 (series)
    }

    @Test func logarithmAndExponentialAgreeWithKnownValues() {
        #expect(abs(ln(10) - 2.302585092994046) < 1e-13)
        #expect(abs(exp(1) - 2.718281828459045) < 1e-13)
        #expect(abs(logGamma(5) - ln(24)) < 1e-12)
    }

    @Test func identicalSamplesGiveStatisticZeroAndPOne() {
        let r = chiSquareHomogeneity([100, 200, 300], [100, 200, 300])
        #expect(r.statistic == 0)
        #expect(r.dof == 2)
        #expect(abs(r.p - 1) < 1e-12)
    }
}
