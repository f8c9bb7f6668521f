package io.hatchway.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.hatchway.registry.AuthOutcome.Reason;
import io.hatchway.registry.AuthOutcome.Refused;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates a device by the X.509 client certificate chain it presented in the TLS handshake, against the trust
 * anchors of the applications ({@code spec.trustAnchors}):
 * <ol>
 *     <li>The chain is put in issuer order starting from the leaf (extra certificates the client sent are ignored)
 *     and validated with the JDK's PKIX {@link CertPathValidator}: signatures, validity dates at the clock's now,
 *     basic constraints of the intermediates; no revocation checking. The application is the first enabled one, in
 *     registry order, one of whose anchors validates the chain; the path ends at the first certificate issued by one
 *     of its anchors, so a client may send or omit the root and may be trusted through an intermediate CA.
 *     Unlike Drogue Cloud, the application is not guessed from the issuer DN.</li>
 *     <li>A chain that validates only against a disabled application's anchor is {@link Reason#DISABLED}; an expired
 *     or not yet valid certificate, or one no anchor validates, is {@link Reason#BAD_CREDENTIALS} (the message says
 *     "expired" or "not yet valid" only when the chain would otherwise validate). A leaf whose extended key usage
 *     excludes TLS client authentication is refused too.</li>
 *     <li>The device is the one of that application with an {@code alias} equal to the leaf's subject DN (the RFC
 *     2253 form of {@link X500Principal#getName()}, or any spelling of the same name), else the one whose name is
 *     the subject's (most specific) CN.</li>
 *     <li>The certificate defines the identity: a non-empty username must name the same device ({@code
 *     device@application}, the device by name or alias, or a plain device name or alias). The client ID is not
 *     consulted.</li>
 * </ol>
 *
 * <p>Every authentication reads {@link Registry#current()}, so a change of trust anchors applies to the next
 * connection. Successful validations are cached by chain and registry generation (the validity dates are still
 * checked against the clock on a hit).
 *
 * <p>Threading: {@link #authenticate} may be called on a Netty event loop; the work runs on the executor, and the
 * future completes there. Thread-safe.
 */
public final class CertificateAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthenticator.class);

    static final String UNTRUSTED_MESSAGE = "certificate not issued by a trusted application CA";
    static final String USERNAME_MISMATCH_MESSAGE = "username does not match the client certificate";
    private static final AuthOutcome UNTRUSTED = new Refused(Reason.BAD_CREDENTIALS, UNTRUSTED_MESSAGE);
    private static final AuthOutcome UNAVAILABLE = new Refused(Reason.UNAVAILABLE, "registry unavailable");
    private static final AuthOutcome BUSY = new Refused(Reason.UNAVAILABLE, "authentication temporarily unavailable");

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

    private final Registry registry;
    private final Executor executor;
    private final Clock clock;
    private final AtomicReference<AnchorIndex> anchorIndex = new AtomicReference<>();
    private final Cache<CacheKey, Validated> validated = Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(Duration.ofMinutes(10))
            .build();

    /**
     * @param executor where chains are validated (CPU work); never a Netty event loop
     */
    public CertificateAuthenticator(Registry registry, Executor executor) {
        this(registry, executor, Clock.systemUTC());
    }

    /** With the clock that tells whether certificates are within their validity dates. */
    public CertificateAuthenticator(Registry registry, Executor executor, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Authenticates the client that presented {@code chain}.
     *
     * @param chain    the leaf certificate first, then the other certificates the client sent
     * @param username the CONNECT username, or null
     * @param clientId the CONNECT client ID; not consulted
     * @return a future that completes (normally, on the executor) with the outcome
     */
    public CompletableFuture<AuthOutcome> authenticate(List<X509Certificate> chain, String username, String clientId) {
        if (chain == null || chain.isEmpty()) {
            return CompletableFuture.completedFuture(new Refused(Reason.BAD_CREDENTIALS, "no client certificate"));
        }
        List<X509Certificate> certificates = List.copyOf(chain);
        try {
            return CompletableFuture.supplyAsync(() -> authenticateNow(certificates, username), executor)
                    .exceptionally(e -> {
                        LOG.error("Client certificate authentication failed", e);
                        return BUSY;
                    });
        } catch (RejectedExecutionException e) {
            LOG.warn("Executor rejected a client certificate authentication: {}", e.toString());
            return CompletableFuture.completedFuture(BUSY);
        }
    }

    /** The number of cached validations, for tests. */
    long cachedValidations() {
        validated.cleanUp();
        return validated.estimatedSize();
    }

    private AuthOutcome authenticateNow(List<X509Certificate> chain, String username) {
        RegistrySnapshot snapshot;
        try {
            snapshot = registry.current();
        } catch (RuntimeException e) {
            LOG.debug("Registry unavailable for certificate authentication: {}", e.toString());
            return UNAVAILABLE;
        }
        AuthOutcome outcome = validate(snapshot, chain, clock.instant(), username);
        if (LOG.isDebugEnabled()) {
            LOG.debug("Client certificate {}: {}", chain.get(0).getSubjectX500Principal().getName(),
                    outcome instanceof AuthOutcome.Authenticated authenticated
                            ? "device " + authenticated.device().name() + " of " + authenticated.application().name()
                            : outcome);
        }
        return outcome;
    }

    private static final String NO_DEVICE = "no device for certificate subject ";

    /**
     * Finds the application that trusts the chain now and has the device (from the cache, or trying the enabled
     * candidates, then the disabled ones), then identifies the device in it. Applications may share a CA: the
     * first in registry order that trusts the chain and holds its device wins.
     */
    private AuthOutcome validate(RegistrySnapshot snapshot, List<X509Certificate> chain, Instant now,
                                 String username) {
        CacheKey key = new CacheKey(snapshot.generation(), digest(chain));
        Validated hit = validated.getIfPresent(key);
        if (hit != null && hit.covers(now)) {
            return identify(snapshot, hit.application(), chain.get(0), username);
        }
        CertPathValidatorException dated = null;
        AuthOutcome noDevice = null;
        for (Candidate candidate : index(snapshot).candidates(issuerOrder(chain))) {
            Optional<CertPathValidatorException> failure = candidate.validate(now);
            if (failure.isEmpty()) {
                if (candidate.application().disabled()) {
                    return noDevice != null ? noDevice : new Refused(Reason.DISABLED, "application disabled");
                }
                AuthOutcome outcome = identify(snapshot, candidate.application(), chain.get(0), username);
                if (outcome instanceof Refused refused && refused.message().startsWith(NO_DEVICE)) {
                    // Applications may share a CA: the device may be in another one that trusts the chain too.
                    noDevice = noDevice == null ? outcome : noDevice;
                    continue;
                }
                validated.put(key, Validated.of(candidate));
                return outcome;
            }
            if (dated == null && isDated(failure.get()) && candidate.validAtSomeTime()) {
                dated = failure.get();
            }
        }
        if (noDevice != null) {
            return noDevice;
        }
        if (dated == null) {
            return UNTRUSTED;
        }
        String which = dated.getIndex() <= 0 ? "certificate" : "intermediate CA certificate";
        return new Refused(Reason.BAD_CREDENTIALS, which
                + (dated.getReason() == BasicReason.EXPIRED ? " expired" : " not yet valid"));
    }

    private static boolean isDated(CertPathValidatorException failure) {
        return failure.getReason() == BasicReason.EXPIRED || failure.getReason() == BasicReason.NOT_YET_VALID;
    }

    /** Finds the device of the leaf in the application that trusts it; checks the username and the device. */
    private AuthOutcome identify(RegistrySnapshot snapshot, Application application, X509Certificate leaf,
                                 String username) {
        if (!allowsClientAuthentication(leaf)) {
            return new Refused(Reason.BAD_CREDENTIALS, "certificate not valid for TLS client authentication");
        }
        X500Principal subject = leaf.getSubjectX500Principal();
        String dn = subject.getName();
        Optional<Device> device = snapshot.device(application.name(), dn)
                .filter(candidate -> candidate.aliases().contains(dn))
                .or(() -> index(snapshot).deviceByAliasName(application, subject))
                .or(() -> DistinguishedNames.commonName(subject)
                        .flatMap(cn -> snapshot.device(application.name(), cn)
                                .filter(candidate -> candidate.name().equals(cn))));
        if (device.isEmpty()) {
            return new Refused(Reason.BAD_CREDENTIALS, NO_DEVICE + dn);
        }
        if (username != null && !username.isEmpty() && !DeviceAddress.names(username, device.get())) {
            return new Refused(Reason.BAD_CREDENTIALS, USERNAME_MISMATCH_MESSAGE);
        }
        if (device.get().disabled()) {
            return new Refused(Reason.DISABLED, "device disabled");
        }
        return new AuthOutcome.Authenticated(application, device.get());
    }

    /** As SunJSSE: a leaf with an extended key usage extension must allow client authentication. */
    private static boolean allowsClientAuthentication(X509Certificate leaf) {
        try {
            List<String> usages = leaf.getExtendedKeyUsage();
            return usages == null || usages.contains(CLIENT_AUTH) || usages.contains(ANY_EXTENDED_KEY_USAGE);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    private AnchorIndex index(RegistrySnapshot snapshot) {
        AnchorIndex index = anchorIndex.get();
        if (index == null || index.snapshot() != snapshot) {
            index = new AnchorIndex(snapshot);
            anchorIndex.set(index);
        }
        return index;
    }

    /**
     * The leaf, then the certificate the client sent for its issuer, and so on, until a self-issued certificate or
     * a missing issuer; anything else the client sent is dropped.
     */
    private static List<X509Certificate> issuerOrder(List<X509Certificate> chain) {
        List<X509Certificate> path = new ArrayList<>(chain.size());
        List<X509Certificate> rest = new ArrayList<>(chain.subList(1, chain.size()));
        X509Certificate current = chain.get(0);
        path.add(current);
        while (!current.getIssuerX500Principal().equals(current.getSubjectX500Principal())) {
            X500Principal issuer = current.getIssuerX500Principal();
            Optional<X509Certificate> next = rest.stream()
                    .filter(certificate -> certificate.getSubjectX500Principal().equals(issuer))
                    .findFirst();
            if (next.isEmpty()) {
                break;
            }
            current = next.get();
            rest.remove(current);
            path.add(current);
        }
        return path;
    }

    private static String digest(List<X509Certificate> chain) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (X509Certificate certificate : chain) {
                sha256.update(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("client certificate cannot be encoded", e);
        }
    }

    private record CacheKey(long generation, String chainDigest) {
    }

    /** A successful validation: the application, and when all certificates of the validated path are valid. */
    private record Validated(Application application, Instant notBefore, Instant notAfter) {
        static Validated of(Candidate candidate) {
            return new Validated(candidate.application(), candidate.notBefore(), candidate.notAfter());
        }

        boolean covers(Instant now) {
            return !now.isBefore(notBefore) && !now.isAfter(notAfter);
        }
    }

    /** An application one of whose anchors may have issued the last certificate of {@code path}. */
    private record Candidate(Application application, int order, Set<TrustAnchor> anchors,
                             List<X509Certificate> path) {

        /** Empty when the path validates against the application's anchors at {@code now}. */
        Optional<CertPathValidatorException> validate(Instant now) {
            try {
                PKIXParameters parameters = new PKIXParameters(anchors);
                parameters.setRevocationEnabled(false);
                parameters.setDate(Date.from(now));
                CertPathValidator.getInstance("PKIX")
                        .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
                return Optional.empty();
            } catch (CertPathValidatorException e) {
                return Optional.of(e);
            } catch (GeneralSecurityException e) {
                return Optional.of(new CertPathValidatorException(e));
            }
        }

        /**
         * Whether the path validates at a moment when all its certificates are within their dates. The JDK checks
         * dates before signatures, so this tells an expired chain of the application from a forged one.
         */
        boolean validAtSomeTime() {
            return !notAfter().isBefore(notBefore()) && validate(notBefore()).isEmpty();
        }

        /** The latest start of validity of the path's certificates. */
        Instant notBefore() {
            return path.stream().map(c -> c.getNotBefore().toInstant()).max(Comparator.naturalOrder()).orElseThrow();
        }

        /** The earliest end of validity of the path's certificates. */
        Instant notAfter() {
            return path.stream().map(c -> c.getNotAfter().toInstant()).min(Comparator.naturalOrder()).orElseThrow();
        }
    }

    /**
     * The trust anchors of one snapshot's applications, indexed by subject, and (built per application on first
     * use) the devices by the distinguished names their aliases spell.
     */
    private static final class AnchorIndex {
        private final RegistrySnapshot snapshot;
        private final Map<X500Principal, List<Integer>> applicationsByAnchorSubject = new LinkedHashMap<>();
        private final List<Application> applications;
        private final List<Set<TrustAnchor>> trustAnchors = new ArrayList<>();
        private final Map<String, Map<X500Principal, Device>> devicesByAliasName = new ConcurrentHashMap<>();

        AnchorIndex(RegistrySnapshot snapshot) {
            this.snapshot = snapshot;
            this.applications = snapshot.applications();
            for (int i = 0; i < applications.size(); i++) {
                List<TrustAnchor> anchors = new ArrayList<>();
                for (X509Certificate anchor : applications.get(i).trustAnchors()) {
                    anchors.add(new TrustAnchor(anchor, null));
                    List<Integer> owners = applicationsByAnchorSubject.computeIfAbsent(
                            anchor.getSubjectX500Principal(), s -> new ArrayList<>());
                    if (!owners.contains(i)) {
                        owners.add(i);
                    }
                }
                trustAnchors.add(Set.copyOf(anchors));
            }
        }

        RegistrySnapshot snapshot() {
            return snapshot;
        }

        /**
         * The applications with an anchor named as the issuer of a certificate of {@code path}, the enabled ones
         * first, each group in registry order, each with the path cut after the first certificate such an anchor may
         * have issued.
         */
        List<Candidate> candidates(List<X509Certificate> path) {
            Map<Integer, Integer> ends = new LinkedHashMap<>();
            for (int i = 0; i < path.size(); i++) {
                int end = i;
                applicationsByAnchorSubject.getOrDefault(path.get(i).getIssuerX500Principal(), List.of())
                        .forEach(application -> ends.putIfAbsent(application, end));
            }
            return ends.entrySet().stream()
                    .map(e -> new Candidate(applications.get(e.getKey()), e.getKey(), trustAnchors.get(e.getKey()),
                            List.copyOf(path.subList(0, e.getValue() + 1))))
                    .sorted(Comparator.comparing((Candidate c) -> c.application().disabled())
                            .thenComparingInt(Candidate::order))
                    .toList();
        }

        /** The device of {@code application} with an alias that reads as {@code subject}. */
        Optional<Device> deviceByAliasName(Application application, X500Principal subject) {
            return Optional.ofNullable(devicesByAliasName.computeIfAbsent(application.name(),
                    name -> DistinguishedNames.aliasIndex(snapshot.devices(name))).get(subject));
        }
    }
}
