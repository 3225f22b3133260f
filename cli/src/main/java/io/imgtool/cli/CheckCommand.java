package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.qcow2.Qcow2Checker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool check}: like {@code qemu-img check}. Exit 1 when problems remain. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check a qcow2 image's metadata: corruptions (a refcount below the references, bad "
                + "tables), leaks (clusters counted but unused), COPIED flags. Exit code 1 when problems remain."})
public final class CheckCommand implements Callable<Integer> {

    @Mixin
    JsonOption json;

    @Option(names = {"-r", "--repair"}, paramLabel = "leaks|all",
            description = "Repair: 'leaks' frees leaked clusters; 'all' also fixes refcounts, COPIED flags and the dirty bit.")
    String repair;

    @Parameters(paramLabel = "IMAGE")
    Path image;

    @Override
    public Integer call() throws Exception {
        Qcow2Checker.Repair mode = Qcow2Checker.Repair.NONE;
        if (repair != null) {
            mode = switch (repair) {
                case "leaks" -> Qcow2Checker.Repair.LEAKS;
                case "all" -> Qcow2Checker.Repair.ALL;
                default -> throw new IllegalArgumentException("--repair takes 'leaks' or 'all', not '" + repair + "'");
            };
        }
        if (DiskImage.probe(image) != DiskImage.Format.QCOW2) {
            throw new UnsupportedFeatureException("image", "check of raw images", image + " is raw: it has no metadata to check");
        }
        Qcow2Checker.Result r = Qcow2Checker.check(image, mode);
        if (json.enabled()) {
            System.out.println(Json.write(r.toJson()));
        } else {
            for (String m : r.messages()) {
                System.out.println(m);
            }
            if (r.leaksFixed() > 0 || r.corruptionsFixed() > 0) {
                System.out.println("The following inconsistencies were found and repaired:");
                System.out.println();
                System.out.println("    " + r.leaksFixed() + " leaked clusters");
                System.out.println("    " + r.corruptionsFixed() + " corruptions");
                System.out.println();
            }
            if (r.clean()) {
                System.out.println("No errors were found on the image.");
            } else {
                if (r.corruptions() > 0) {
                    System.out.println();
                    System.out.println(r.corruptions() + " errors were found on the image.");
                    System.out.println("Data may be corrupted, or further writes to the image may corrupt it.");
                }
                if (r.leaks() > 0) {
                    System.out.println();
                    System.out.println(r.leaks() + " leaked clusters were found on the image.");
                    System.out.println("This means waste of disk space, but no harm to data.");
                }
            }
            if (r.totalClusters() > 0) {
                System.out.printf("%d/%d = %.2f%% allocated, %.2f%% fragmented, %.2f%% compressed clusters%n",
                        r.allocatedClusters(), r.totalClusters(), 100.0 * r.allocatedClusters() / r.totalClusters(),
                        r.allocatedClusters() == 0 ? 0.0 : 100.0 * r.fragmentedClusters() / r.allocatedClusters(),
                        r.allocatedClusters() == 0 ? 0.0 : 100.0 * r.compressedClusters() / r.allocatedClusters());
            }
            System.out.println("Image end offset: " + r.imageEndOffset());
        }
        return r.clean() ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }
}
