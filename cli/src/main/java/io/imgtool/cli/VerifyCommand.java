package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.publish.ArtifactVerifier;
import io.imgtool.publish.FileCheck;
import io.imgtool.publish.PgpVerifier;
import io.imgtool.publish.SignatureInfo;
import io.imgtool.publish.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool verify}: the signature over a sums file, then the files it lists. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify a signed sums file and, with --check-files, the files it lists.",
                "",
                "SUMSFILE is clearsigned, or has a detached signature: --signature SIG, else SUMSFILE.asc, "
                        + ".sig, .sign or .gpg beside it. It is checked against the --key files only. Listed "
                        + "files are read relative to SUMSFILE's directory. Exit 1 when anything fails: unknown, "
                        + "expired or revoked key, bad signature, weak or unknown hash, a changed or missing file."})
public final class VerifyCommand implements Callable<Integer> {

    @Option(names = {"--key", "--keyring"}, paramLabel = "KEYFILE",
            description = "A public key or keyring (armored or binary, e.g. gpg --export); repeatable.")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--signature", paramLabel = "SIG", description = "A detached signature of SUMSFILE.")
    Path signature;

    @Option(names = "--check-files", description = "Also check the digests of the files SUMSFILE lists.")
    boolean checkFiles;

    @Option(names = "--ignore-missing", description = "With --check-files: skip listed files that are absent.")
    boolean ignoreMissing;

    @Option(names = "--no-signature", description = "Check digests only, trusting SUMSFILE unsigned.")
    boolean noSignature;

    @Parameters(paramLabel = "SUMSFILE", description = "SHA256SUMS, SHA256SUMS.asc, SHA512SUMS, ... (or any signed file).")
    Path file;

    @Mixin
    JsonOption json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (keys.isEmpty() && !noSignature) {
            throw new IllegalArgumentException("give --key KEYFILE (or --no-signature to check digests only)");
        }
        if (noSignature && (!keys.isEmpty() || signature != null)) {
            throw new IllegalArgumentException("--no-signature excludes --key and --signature");
        }
        PgpVerifier verifier = null;
        if (!noSignature) {
            PgpVerifier.Builder b = PgpVerifier.builder();
            for (Path k : keys) {
                b.keys(k);
            }
            verifier = b.build();
        }
        VerifyReport r = ArtifactVerifier.builder().verifier(verifier).checkFiles(checkFiles || noSignature)
                .ignoreMissing(ignoreMissing).build().verify(file, signature);
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            out.println(Json.write(toJson(r)));
        } else {
            print(r, out);
        }
        out.flush();
        return r.ok() ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }

    private static void print(VerifyReport r, PrintWriter out) {
        if (r.signature() != null) {
            for (SignatureInfo s : r.signature().signatures()) {
                out.println("signature: " + s.status() + " by key " + s.keyId()
                        + (s.userId() != null ? " \"" + s.userId() + "\"" : "")
                        + (s.created() != null ? ", made " + s.created() : "")
                        + ", " + s.hashAlgorithm() + (s.detail() != null ? ": " + s.detail() : ""));
            }
            if (r.signature().signatures().isEmpty()) {
                out.println("signature: " + r.signature().status() + ": " + r.signature().detail());
            }
        }
        for (FileCheck c : r.files()) {
            out.println(c.name().replace("\n", "\\n") + ": " + (c.ok() ? "OK" : c.status()
                    + (c.detail() != null ? " (" + c.detail() + ")" : "")));
        }
        if (r.problem() != null) {
            out.println("problem: " + r.problem());
        }
        out.println(r.ok() ? "verified: " + r.sumsFile() : "FAILED: " + r.sumsFile());
    }

    static Map<String, Object> toJson(VerifyReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", r.ok());
        m.put("file", r.sumsFile().toString());
        m.put("signatureFile", r.signatureFile() == null ? null : r.signatureFile().toString());
        if (r.signature() != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("status", r.signature().status().name());
            s.put("detail", r.signature().detail());
            List<Object> sigs = new ArrayList<>();
            for (SignatureInfo i : r.signature().signatures()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("status", i.status().name());
                x.put("keyId", i.keyId());
                x.put("fingerprint", i.fingerprint());
                x.put("userId", i.userId());
                x.put("created", i.created() == null ? null : i.created().toString());
                x.put("hash", i.hashAlgorithm());
                x.put("detail", i.detail());
                sigs.add(x);
            }
            s.put("signatures", sigs);
            m.put("signature", s);
        }
        List<Object> files = new ArrayList<>();
        for (FileCheck c : r.files()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", c.name());
            x.put("algorithm", c.algorithm().tag());
            x.put("status", c.status().name());
            x.put("expected", c.expected());
            x.put("actual", c.actual());
            x.put("detail", c.detail());
            files.add(x);
        }
        m.put("files", files);
        m.put("problem", r.problem());
        return m;
    }
}
