package io.imgtool.gpt;

import java.util.List;

/**
 * The findings of {@link GptVerifier#verify}: like {@code sgdisk -v}, a list rather than a single
 * verdict. Only {@link Severity#PROBLEM}s make a table fail; warnings and notes are for people.
 *
 * @param scheme the kind of table verified
 * @param findings in the order they were checked
 */
public record Verification(PartitionTable.Scheme scheme, List<Finding> findings) {

    public enum Severity { PROBLEM, WARNING, NOTE }

    /**
     * One finding.
     *
     * @param severity how bad
     * @param code a stable identifier for programs and tests ("primary-header-crc", "overlap", ...)
     * @param message what is wrong, with numbers
     */
    public record Finding(Severity severity, String code, String message) {
    }

    public Verification {
        findings = List.copyOf(findings);
    }

    /** Whether no finding is a problem. */
    public boolean ok() {
        return problems().isEmpty();
    }

    public List<Finding> problems() {
        return findings.stream().filter(f -> f.severity() == Severity.PROBLEM).toList();
    }

    /** Whether a finding with this code exists. */
    public boolean has(String code) {
        return findings.stream().anyMatch(f -> f.code().equals(code));
    }
}
