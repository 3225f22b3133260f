package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.publish.PgpKeyGenerator;
import io.imgtool.publish.PgpKeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool keygen}: makes an OpenPGP signing key pair. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = {"Make an OpenPGP signing key pair.",
                "",
                "Writes PREFIX.secret.asc (mode 0600) and PREFIX.public.asc; with OUTDIR the prefix is "
                        + "OUTDIR/signing-key. Ed25519 by default (GnuPG 2.1 and later verify it); --algorithm "
                        + "rsa4096 for older verifiers."})
public final class KeygenCommand implements Callable<Integer> {

    @Option(names = "--name", required = true, description = "The key owner's name (user ID).")
    String name;

    @Option(names = "--email", description = "The key owner's e-mail address (user ID).")
    String email;

    @Option(names = "--algorithm", defaultValue = "ed25519",
            description = "ed25519 or rsa4096 (default: ${DEFAULT-VALUE}).")
    String algorithm;

    @Option(names = "--expires", paramLabel = "DAYS",
            description = "Days until the key expires (default: never).")
    Integer expiresDays;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Parameters(paramLabel = "OUTDIR", description = "Directory for signing-key.secret.asc and signing-key.public.asc.")
        Path dir;

        @Option(names = "--out", paramLabel = "PREFIX", description = "Write PREFIX.secret.asc and PREFIX.public.asc.")
        Path prefix;
    }

    @Mixin
    Passphrases passphrase;

    @Mixin
    JsonOption json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PgpKeyGenerator.Algorithm alg = switch (algorithm.toLowerCase(java.util.Locale.ROOT)) {
            case "ed25519" -> PgpKeyGenerator.Algorithm.ED25519;
            case "rsa4096", "rsa" -> PgpKeyGenerator.Algorithm.RSA4096;
            default -> throw new IllegalArgumentException("unknown algorithm '" + algorithm + "' (ed25519, rsa4096)");
        };
        PgpKeyGenerator.Builder b = PgpKeyGenerator.builder().userId(name, email).algorithm(alg)
                .passphrase(passphrase.get());
        if (expiresDays != null) {
            if (expiresDays <= 0) {
                throw new IllegalArgumentException("--expires must be a positive number of days");
            }
            b.validity(Duration.ofDays(expiresDays));
        }
        Path prefix;
        if (target.dir != null) {
            Files.createDirectories(target.dir);
            prefix = target.dir.resolve("signing-key");
        } else {
            prefix = target.prefix;
        }
        PgpKeyPair key = b.generate();
        PgpKeyPair.KeyFiles files = key.write(prefix);
        var out = spec.commandLine().getOut();
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fingerprint", key.fingerprint());
            m.put("keyId", key.keyId());
            m.put("userId", key.userId());
            m.put("algorithm", key.algorithm().name().toLowerCase(java.util.Locale.ROOT));
            m.put("created", key.created().toString());
            m.put("secretKey", files.secretKey().toString());
            m.put("publicKey", files.publicKey().toString());
            out.println(Json.write(m));
        } else {
            out.println("key " + key.fingerprint() + " (" + key.algorithm().name().toLowerCase(java.util.Locale.ROOT)
                    + ") " + key.userId());
            out.println("secret key: " + files.secretKey() + "  (keep it private)");
            out.println("public key: " + files.publicKey());
        }
        out.flush();
        return ExitCodes.OK;
    }
}
