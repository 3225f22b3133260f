package io.imgtool.publish;

import java.util.List;

/**
 * The verdict on a signed file: GOOD when at least one signature is GOOD and none is BAD or otherwise
 * failed (signatures by keys not given are ignored when another one is good).
 *
 * @param status the overall verdict
 * @param detail a one-line explanation when not GOOD, or null
 * @param signatures every signature found, in file order
 */
public record SignatureCheck(SignatureStatus status, String detail, List<SignatureInfo> signatures) {

    public SignatureCheck {
        signatures = List.copyOf(signatures);
    }

    public boolean ok() {
        return status == SignatureStatus.GOOD;
    }

    static SignatureCheck failed(SignatureStatus status, String detail) {
        return new SignatureCheck(status, detail, List.of());
    }

    /** Combines per-signature verdicts as the class comment says. */
    static SignatureCheck of(List<SignatureInfo> infos) {
        if (infos.isEmpty()) {
            return failed(SignatureStatus.NO_SIGNATURE, "no signature");
        }
        SignatureInfo firstFailure = null;
        boolean good = false;
        for (SignatureInfo i : infos) {
            if (i.status() == SignatureStatus.GOOD) {
                good = true;
            } else if (i.status() != SignatureStatus.UNKNOWN_KEY && firstFailure == null) {
                firstFailure = i;
            }
        }
        if (firstFailure != null) {
            return new SignatureCheck(firstFailure.status(), firstFailure.detail(), infos);
        }
        if (good) {
            return new SignatureCheck(SignatureStatus.GOOD, null, infos);
        }
        SignatureInfo u = infos.get(0);
        return new SignatureCheck(SignatureStatus.UNKNOWN_KEY, u.detail(), infos);
    }
}
