package io.hatchway.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code hatchway-bench}: the load and soak tool. Wires a run by hand, in order: options, devices (and the registry
 * file for them), the MQTT client, the run itself, the summary, and the verification against the sink.
 * Ctrl-C ends the publishing phase early; the summary and verification still follow (a second Ctrl-C exits at once).
 */
public final class LoadTool {

    public static final int EXIT_OK = 0;
    public static final int EXIT_LOST = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_FAILED = 3;

    private LoadTool() {
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        StopSignal stop = new StopSignal();
        Interrupts.onInterrupt(stop);
        System.exit(run(args, stop, System.out, System.err, ProgressLine.stderrIsTerminal()));
    }

    /**
     * Runs the tool; returns the exit status.
     *
     * @param out      the summary
     * @param err      progress, usage errors and failures
     * @param terminal whether {@code err} is a terminal (progress rewritten in place)
     */
    public static int run(String[] args, StopSignal stop, PrintStream out, PrintStream err, boolean terminal) {
        if (OptionParser.wantsHelp(args)) {
            out.print(OptionParser.USAGE);
            return EXIT_OK;
        }
        Options options;
        List<DeviceLogin> devices;
        PayloadFormat format;
        Optional<TrustManagerFactory> trust;
        String runId = PayloadFormat.newRunId();
        try {
            options = OptionParser.parse(args);
            devices = devices(options, runId);
            OptionParser.checkPayload(options.payloadBytes(), devices.size());
            format = new PayloadFormat(runId, options.payloadBytes());
            trust = options.ca().isPresent() ? Optional.of(ClientTrust.fromPem(options.ca().get()))
                    : Optional.empty();
            if (options.registryOut().isPresent()) {
                RegistryWriter.write(options.registryOut().get(), options.app(), devices);
                err.println("wrote " + devices.size() + " devices of " + options.app() + " to "
                        + options.registryOut().get());
                if (options.registryOnly()) {
                    return EXIT_OK;
                }
            }
        } catch (UsageException e) {
            err.println("hatchway-bench: " + e.getMessage());
            err.println("Try --help.");
            return EXIT_USAGE;
        } catch (IOException e) {
            err.println("hatchway-bench: cannot write the registry: " + e.getMessage());
            return EXIT_FAILED;
        }

        Summary summary;
        LoadRun run;
        try (ConnectionFactory factory = factory(options, trust)) {
            run = new LoadRun(options, devices, factory, format, err, terminal);
            summary = run.run(stop);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("hatchway-bench: interrupted");
            return EXIT_FAILED;
        }
        if (options.verify().isPresent()) {
            try (SinkReader reader = reader(options.verify().get())) {
                summary = summary.withVerification(SinkVerifier.verify(reader, runId, run.ledger(),
                        options.verifyTimeout()));
            } catch (Exception e) {
                err.println("hatchway-bench: verification failed: " + e);
                out.print(SummaryReport.text(summary));
                return EXIT_FAILED;
            }
        }
        out.print(SummaryReport.text(summary));
        out.flush();
        if (options.summaryJson().isPresent()) {
            try {
                SummaryReport.writeJson(summary, options.summaryJson().get());
            } catch (IOException e) {
                err.println("hatchway-bench: cannot write " + options.summaryJson().get() + ": " + e.getMessage());
                return EXIT_FAILED;
            }
        }
        if (summary.verification().map(v -> !v.passed()).orElse(false)) {
            return EXIT_LOST;
        }
        return summary.connections().accepted() == 0 ? EXIT_FAILED : EXIT_OK;
    }

    private static List<DeviceLogin> devices(Options options, String runId) throws UsageException {
        if (options.registryIn().isPresent()) {
            return Fleet.fromRegistry(options.registryIn().get(), options.app(), options.firstDevice(),
                    options.devices(), runId);
        }
        return Fleet.generated(options.firstDevice(), options.devices().orElse(OptionParser.DEFAULT_DEVICES),
                options.app(), options.passwordPrefix(), options.noAuth(), runId);
    }

    private static ConnectionFactory factory(Options options, Optional<TrustManagerFactory> trust) {
        return switch (options.client()) {
            case HIVEMQ -> new HiveMqConnections(options, trust);
            case NETTY -> new NettyConnections(options, trust);
        };
    }

    private static SinkReader reader(Options.VerifyTarget target) {
        if (target instanceof Options.VerifyTarget.File file) {
            return new FileSinkReader(file.path());
        }
        Options.VerifyTarget.Kafka kafka = (Options.VerifyTarget.Kafka) target;
        return new KafkaSinkReader(kafka.bootstrapServers(), kafka.topic());
    }
}
