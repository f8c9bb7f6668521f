package io.hatchway.registry;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Registry} backed by one YAML file (see {@link RegistryLoader} for the format), reloaded when it changes.
 *
 * <p>{@link #open(Path)} loads the file synchronously and fails if it is invalid, so a server never starts with a
 * broken registry. A daemon thread then watches the file's directory; after a change settles (100 ms without further
 * events) it re-reads the file and, if its bytes differ from the last content seen, loads it and swaps the new
 * snapshot in atomically with the next generation number, then calls the {@link #onChange} listeners on that thread.
 * Because every event in the directory leads to a comparison of the file's content, edits in place, editors that
 * write a temporary file and rename it over the original, and Kubernetes ConfigMap mounts (where the file is a
 * symlink through a {@code ..data} symlink that is swapped) are all picked up.
 *
 * <p>An invalid new file keeps the previous snapshot in force and is logged at ERROR with the file, line and field
 * (never the offending value); fixing the file loads it. {@link #current()} never blocks and never throws.
 */
public final class FileRegistry implements Registry, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileRegistry.class);
    private static final long DEBOUNCE_MILLIS = 100;
    private static final long MAX_DEBOUNCE_MILLIS = 1000;

    private final Path file;
    private final AtomicReference<IndexedSnapshot> current;
    private final List<Consumer<RegistrySnapshot>> listeners = new CopyOnWriteArrayList<>();
    private final WatchService watchService;
    private final Thread watcher;

    /** Confined to the watcher thread once it runs. */
    private byte[] lastContent;
    private volatile RegistryException lastError;

    private FileRegistry(Path file, byte[] content, IndexedSnapshot first, WatchService watchService) {
        this.file = file;
        this.lastContent = content;
        this.current = new AtomicReference<>(first);
        this.watchService = watchService;
        this.watcher = new Thread(this::watch, "hatchway-registry-watcher");
        this.watcher.setDaemon(true);
    }

    /**
     * Loads {@code file} (generation 1) and starts watching it.
     *
     * @throws RegistryException if the file cannot be read, is invalid, or its directory cannot be watched
     */
    public static FileRegistry open(Path file) throws RegistryException {
        Objects.requireNonNull(file, "file");
        byte[] content = RegistryLoader.read(file);
        IndexedSnapshot first = RegistryLoader.parse(file, content).withGeneration(1);
        Path directory = file.toAbsolutePath().normalize().getParent();
        WatchService watchService;
        try {
            watchService = directory.getFileSystem().newWatchService();
            directory.register(watchService, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
        } catch (IOException e) {
            throw new RegistryException(file, "cannot watch directory " + directory + ": " + e, e);
        }
        FileRegistry registry = new FileRegistry(file, content, first, watchService);
        LOG.info("Loaded registry {}: {} applications, {} devices (generation 1)", file, first.applicationCount(),
                first.deviceCount());
        registry.watcher.start();
        return registry;
    }

    /** The snapshot in force; never null, never blocks, and keeps answering after {@link #close()}. */
    @Override
    public RegistrySnapshot current() {
        return current.get();
    }

    /** Listeners run on the watcher thread, in registration order; one that throws is logged and skipped. */
    @Override
    public void onChange(Consumer<RegistrySnapshot> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Why the file on disk is not in force: the error of the last reload attempt, empty once the file loads again
     * (or is back to the content in force). Lets a health check report a registry edit that was rejected.
     */
    public Optional<RegistryException> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Stops watching; waits briefly for the watcher thread to end. The last snapshot stays available. */
    @Override
    public void close() {
        try {
            watchService.close();
        } catch (IOException e) {
            LOG.warn("Closing the watch service of {} failed: {}", file, e.toString());
        }
        watcher.interrupt();
        try {
            watcher.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void watch() {
        try {
            while (true) {
                if (!drain(watchService.take())) {
                    continue;
                }
                // Wait for a quiet moment, but never longer than MAX_DEBOUNCE_MILLIS after the first change.
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_DEBOUNCE_MILLIS);
                WatchKey more;
                while (System.nanoTime() < deadline
                        && (more = watchService.poll(DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    drain(more);
                }
                reloadIfChanged();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            LOG.debug("Stopped watching {}", file);
        } catch (RuntimeException e) {
            LOG.error("Registry watcher for {} failed; changes are no longer picked up", file, e);
        }
    }

    /**
     * Consumes the key's events; true if one may concern the registry file: the file itself, a Kubernetes-style
     * {@code ..data} symlink swap, or lost events. Other files of the directory (an event log written next to the
     * registry, say) are ignored, so their traffic never delays a reload.
     */
    private boolean drain(WatchKey key) {
        boolean relevant = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                relevant = true;
            } else if (event.context() instanceof Path changed) {
                String name = changed.toString();
                relevant |= name.equals(file.getFileName().toString()) || name.startsWith("..");
            }
        }
        if (!key.reset()) {
            LOG.error("Directory of {} is no longer accessible; changes are no longer picked up", file);
            throw new ClosedWatchServiceException();
        }
        return relevant;
    }

    private void reloadIfChanged() {
        byte[] content;
        IndexedSnapshot next;
        try {
            content = RegistryLoader.read(file);
            if (Arrays.equals(content, lastContent)) {
                lastError = null;
                return;
            }
            lastContent = content;
            next = RegistryLoader.parse(file, content);
        } catch (RegistryException e) {
            RegistryException previous = lastError;
            lastError = e;
            if (previous == null || !e.getMessage().equals(previous.getMessage())) {
                if (e.line() == 0) {
                    LOG.warn("Registry not reloaded, keeping generation {}: {}", current.get().generation(),
                            e.getMessage());
                } else {
                    LOG.error("Registry not reloaded, keeping generation {}: {}", current.get().generation(),
                            e.getMessage());
                }
            }
            return;
        }
        lastError = null;
        IndexedSnapshot swapped = current.updateAndGet(previous -> next.withGeneration(previous.generation() + 1));
        LOG.info("Reloaded registry {}: {} applications, {} devices (generation {})", file,
                swapped.applicationCount(), swapped.deviceCount(), swapped.generation());
        for (Consumer<RegistrySnapshot> listener : listeners) {
            try {
                listener.accept(swapped);
            } catch (RuntimeException e) {
                LOG.warn("Registry change listener {} failed", listener, e);
            }
        }
    }
}
