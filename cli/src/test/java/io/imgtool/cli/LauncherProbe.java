package io.imgtool.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Stands in for imgtool's main class in {@link LauncherTest}: prints what the launcher gave the JVM
 * (Java version, arguments, the VM options it tunes) and exits with the code asked for by an
 * argument {@code exit=N}.
 */
public final class LauncherProbe {

    public static void main(String[] args) {
        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        System.out.println("java=" + Runtime.version().feature());
        System.out.println("args=" + String.join("|", args));
        System.out.println("archive=" + hs.getVMOption("SharedArchiveFile").getValue());
        System.out.println("sharing=" + System.getProperty("java.vm.info", "").contains("sharing"));
        System.out.println("tiered-stop=" + hs.getVMOption("TieredStopAtLevel").getValue());
        System.out.println("native-access=" + ManagementFactory.getRuntimeMXBean().getInputArguments()
                .contains("--enable-native-access=ALL-UNNAMED"));
        int exit = 0;
        for (String a : args) {
            if (a.startsWith("exit=")) {
                exit = Integer.parseInt(a.substring(5));
            }
        }
        System.exit(exit);
    }
}
