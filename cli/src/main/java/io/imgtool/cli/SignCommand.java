package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.publish.HashAlgorithm;
import io.imgtool.publish.PgpSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool sign}: clearsigned or detached OpenPGP signatures. */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = {"Sign files with an OpenPGP secret key, as gpg does.",
                "",
                "--clearsign: FILE.asc holds the text and its signature (for SHA256SUMS). --detach (the "
                        + "default): FILE.asc, an armored detached signature; with --binary, FILE.sig."})
public final class SignCommand implements Callable<Integer> {

    @Option(names = "--key", required = true, paramLabel = "SECRETKEY",
            description = "The secret key file (armored or binary, as imgtool keygen or gpg --export-secret-keys writes).")
    Path key;

    @ArgGroup(exclusive = true)
    Mode mode = new Mode();

    static final class Mode {
        @Option(names = "--clearsign", description = "Clearsign a text file.")
        boolean clearsign;

        @Option(names = "--detach", description = "Write a detached signature (default).")
        boolean detach;
    }

    @Option(names = "--binary", description = "Detached signature in binary form (FILE.sig) instead of armored (FILE.asc).")
    boolean binary;

    @Option(names = "--hash", defaultValue = "sha512", description = "sha256 or sha512 (default: ${DEFAULT-VALUE}).")
    String hash;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Output file (one FILE only).")
    Path output;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Files to sign.")
    List<Path> files;

    @Mixin
    Passphrases passphrase;

    @Mixin
    JsonOption json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (output != null && files.size() != 1) {
            throw new IllegalArgumentException("-o needs exactly one FILE");
        }
        if (mode.clearsign && binary) {
            throw new IllegalArgumentException("--binary applies to detached signatures only");
        }
        HashAlgorithm h = HashAlgorithm.ofName(hash);
        if (h == null) {
            throw new IllegalArgumentException("unknown hash '" + hash + "' (sha256, sha384, sha512)");
        }
        PgpSigner signer = PgpSigner.builder().secretKey(key).passphrase(passphrase.get()).hash(h).build();
        // Check every target first: nothing is written unless all can be.
        List<Path> outs = new ArrayList<>();
        for (Path f : files) {
            Path out = output != null ? output
                    : f.resolveSibling(f.getFileName() + (binary ? ".sig" : ".asc"));
            if (Files.exists(out)) {
                throw new FileAlreadyExistsException(out.toString());
            }
            if (!Files.isRegularFile(f)) {
                throw new java.nio.file.NoSuchFileException(f.toString());
            }
            outs.add(out);
        }
        List<Map<String, Object>> report = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            byte[] sig;
            if (mode.clearsign) {
                String text;
                try {
                    text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(f)))
                            .toString();
                } catch (java.nio.charset.CharacterCodingException e) {
                    throw new IllegalArgumentException(f + " is not UTF-8 text; use a detached signature");
                }
                sig = signer.clearsign(text).getBytes(StandardCharsets.UTF_8);
            } else {
                sig = signer.sign(f, !binary);
            }
            Files.write(outs.get(i), sig, java.nio.file.StandardOpenOption.CREATE_NEW);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", f.toString());
            m.put("signature", outs.get(i).toString());
            m.put("kind", mode.clearsign ? "clearsigned" : binary ? "detached-binary" : "detached-armored");
            report.add(m);
        }
        var out = spec.commandLine().getOut();
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", signer.fingerprint());
            m.put("signatures", report);
            out.println(Json.write(m));
        } else {
            for (Map<String, Object> m : report) {
                out.println(m.get("signature") + ": " + m.get("kind") + " signature of " + m.get("file")
                        + " by " + signer.fingerprint());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
