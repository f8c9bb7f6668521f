package io.hatchway.registry;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a registry file: applications and devices as Drogue Cloud style resources.
 *
 * <pre>
 * applications:
 *   - metadata: { name: my-app }
 *     spec:                                           # spec optional
 *       disabled: false
 *       trustAnchors:                                 # CAs of the devices' client certificates
 *         - certificate: |
 *             -----BEGIN CERTIFICATE-----
 *             ...
 *             -----END CERTIFICATE-----
 *       mqtt:                                         # all optional
 *         dialect: drogue/v1                          # or plainTopic, or a mapping, see below
 *         offlineThreshold: 120s                      # 500ms, 10s, 2m, 1h; positive
 *         takeover: replace                           # or reject
 *         maxConnections: 1000                        # devices connected at once; unlimited if absent
 *         maxPayloadSize: 65536                       # bytes per PUBLISH payload; unlimited if absent
 *         rateLimit: { messagesPerSecond: 100, bytesPerSecond: 1048576 }   # all devices together; either or both
 *       apiKeys:                                      # backends: events and commands of this application
 *         - { name: backend, key: { bcrypt: "$2a$10$..." } }   # or key: "plain" / { plain: ... }
 * devices:
 *   - metadata: { name: device1, application: my-app }
 *     spec:                                           # spec optional
 *       authentication:
 *         credentials:
 *           - pass: hey-rodney                        # or { plain: ... } or { bcrypt: "$2a$10$..." }
 *           - user: { username: foo, password: bar, unique: false }
 *           - psk: { key: "base64...", validity: { notBefore: 2024-01-01T00:00:00Z, notAfter: ... } }
 *       alias: [ "serial-1234" ]
 *       gatewaySelector: { matchNames: [ gateway01 ] }
 *       disabled: false
 *       mqtt: { dialect: plainTopic }                 # optional; overrides the application's dialect
 * </pre>
 *
 * <p>A dialect is {@code drogue/v1} or {@code plainTopic} as a plain string, or a mapping with a {@code type}:
 *
 * <pre>
 * dialect: { type: drogue/v1 }
 * dialect: { type: plainTopic, devicePrefix: true }  # devicePrefix defaults to false
 * dialect:
 *   type: template
 *   publish:                                          # first match wins; at least one
 *     - "VSRE/{device}/{channel}"                     # a last-level {channel} takes the remaining levels
 *     - { topic: "cattle.io/octopus/+/{device}", channel: status }   # fixed channel; + is one level
 *   commands: "VSR/{device}/{command}"                # {device} once, {command} at most once, no +
 * </pre>
 *
 * <p>Templates follow {@link TopicTemplate}: placeholders and {@code +} only as whole levels, no {@code #}, no empty
 * levels. A publish pattern has exactly one {@code {device}} and either a {@code {channel}} level or a fixed
 * {@code channel}; see {@link Dialect.Template}.
 *
 * <p>Parsing is strict and fails fast: unknown keys, wrong types, a credential entry without exactly one of
 * {@code pass}, {@code user} and {@code psk}, an unknown application, duplicate application names, duplicate device
 * names or aliases within an application, duplicate unique usernames within an application, an invalid base64 key,
 * a malformed bcrypt hash, a bad timestamp, an invalid dialect, topic template, duration or takeover, a trust anchor
 * that is not exactly one PEM X.509 certificate (or repeats one of the same application), an application name with
 * {@code / + # @ :}, spaces, control or format characters (such as a zero-width space), or an empty name all throw
 * a {@link RegistryException} naming the file, line, column and field path. An empty file (or {@code {}}) is a
 * valid, empty registry.
 *
 * <p>Stateless and thread-safe.
 */
public final class RegistryLoader {

    /** Modular crypt format of the bcrypt variants we accept: version, cost 04-31, 22 salt + 31 hash characters. */
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

    /** One PEM certificate block; group 1 is the base64 body. */
    private static final Pattern PEM_CERTIFICATE = Pattern.compile(
            "\\s*-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]*)-----END CERTIFICATE-----\\s*");

    /** A duration with a unit: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}. */
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private static final String DURATION_SHAPE = "expected a duration such as 500ms, 10s, 2m or 1h";

    /** The largest MQTT payload: a packet's remaining length is at most 268,435,455 bytes. */
    private static final long MAX_PAYLOAD_SIZE = 268_435_455;
    /** A rate this high is no limit. */
    private static final long MAX_RATE = 1L << 40;
    private static final String DIALECT_TYPES = "drogue/v1, plainTopic or template";

    private static final String SECRET_SHAPE = "expected a string or { bcrypt: ... } or { plain: ... }";

    private RegistryLoader() {
    }

    /**
     * Loads and validates {@code file}. The returned snapshot has generation 0; {@link FileRegistry} numbers the
     * snapshots it swaps in.
     *
     * @throws RegistryException if the file cannot be read or is not a valid registry; its message names the file,
     *                           line, column and field path
     */
    public static RegistrySnapshot load(Path file) throws RegistryException {
        return parse(file, read(file));
    }

    static byte[] read(Path file) throws RegistryException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new RegistryException(file, "cannot read: " + e.getClass().getSimpleName(), e);
        }
    }

    /** Parses registry content read from {@code file} (named in error messages). */
    static IndexedSnapshot parse(Path file, byte[] content) throws RegistryException {
        Optional<YamlTree.Node> root = YamlTree.read(file, content);
        if (root.isEmpty()) {
            return new IndexedSnapshot(0, List.of(), List.of(), Map.of(), Map.of());
        }
        YamlCursor.Fields top = YamlCursor.root(file, root.get()).fields("applications", "devices");

        Map<String, Application> applications = new LinkedHashMap<>();
        Map<String, YamlCursor> applicationNames = new HashMap<>();
        for (YamlCursor item : listOf(top.optional("applications"))) {
            ParsedApplication parsed = application(item);
            YamlCursor first = applicationNames.putIfAbsent(parsed.application().name(), parsed.nameAt());
            if (first != null) {
                throw parsed.nameAt().error("duplicate application name (first at line " + first.at().line() + ")");
            }
            applications.put(parsed.application().name(), parsed.application());
        }

        List<ParsedDevice> devices = new ArrayList<>();
        for (YamlCursor item : listOf(top.optional("devices"))) {
            ParsedDevice parsed = device(item);
            if (!applications.containsKey(parsed.device().application())) {
                throw parsed.applicationAt().error("unknown application");
            }
            devices.add(parsed);
        }
        return index(applications, devices);
    }

    private static IndexedSnapshot index(Map<String, Application> applications, List<ParsedDevice> devices)
            throws RegistryException {
        Map<String, Map<String, Device>> byNameOrAlias = new HashMap<>();
        Map<String, Map<String, YamlCursor>> definedAt = new HashMap<>();
        for (ParsedDevice parsed : devices) {
            Device device = parsed.device();
            YamlCursor first = definedAt.computeIfAbsent(device.application(), a -> new HashMap<>())
                    .putIfAbsent(device.name(), parsed.nameAt());
            if (first != null) {
                throw parsed.nameAt().error("duplicate device name in application " + device.application()
                        + " (first at line " + first.at().line() + ")");
            }
            byNameOrAlias.computeIfAbsent(device.application(), a -> new HashMap<>()).put(device.name(), device);
        }
        for (ParsedDevice parsed : devices) {
            Device device = parsed.device();
            Map<String, Device> index = byNameOrAlias.get(device.application());
            for (YamlCursor aliasAt : parsed.aliasesAt()) {
                String alias = aliasAt.name();
                Device other = index.get(alias);
                if (other != null && !other.name().equals(device.name())) {
                    throw aliasAt.error("alias is already the name or an alias of device " + other.name()
                            + " (line " + definedAt.get(device.application()).get(alias).at().line() + ")");
                }
                index.put(alias, device);
                definedAt.get(device.application()).putIfAbsent(alias, aliasAt);
            }
        }
        Map<String, Map<String, Device>> byUniqueUsername = new HashMap<>();
        Map<String, Map<String, YamlCursor>> usernameAt = new HashMap<>();
        for (ParsedDevice parsed : devices) {
            Device device = parsed.device();
            for (YamlCursor username : parsed.uniqueUsernamesAt()) {
                YamlCursor first = usernameAt.computeIfAbsent(device.application(), a -> new HashMap<>())
                        .putIfAbsent(username.name(), username);
                if (first != null) {
                    throw username.error("unique username is already used in application " + device.application()
                            + " (line " + first.at().line() + ")");
                }
                byUniqueUsername.computeIfAbsent(device.application(), a -> new HashMap<>())
                        .put(username.name(), device);
            }
        }
        return new IndexedSnapshot(0, List.copyOf(applications.values()),
                devices.stream().map(ParsedDevice::device).toList(), byNameOrAlias, byUniqueUsername);
    }

    private record ParsedApplication(Application application, YamlCursor nameAt) {
    }

    /** Characters an application name cannot hold: MQTT topic separators and wildcards, login separators. */
    private static final String APPLICATION_NAME_FORBIDDEN = "/+#@:";

    private static ParsedApplication application(YamlCursor item) throws RegistryException {
        YamlCursor.Fields fields = item.fields("metadata", "spec");
        YamlCursor nameAt = fields.required("metadata").fields("name").required("name");
        String name = nameAt.name();
        if (name.codePoints().anyMatch(c -> APPLICATION_NAME_FORBIDDEN.indexOf(c) >= 0 || Character.isWhitespace(c)
                || Character.isSpaceChar(c) || Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)) {
            throw nameAt.error("must not contain '/', '+', '#', '@', ':', spaces, control or format characters"
                    + " (it is a topic level, the part after '@' of logins, and a path segment)");
        }
        boolean disabled = false;
        List<X509Certificate> trustAnchors = new ArrayList<>();
        ApplicationMqtt mqtt = ApplicationMqtt.DEFAULTS;
        List<Application.ApiKey> apiKeys = new ArrayList<>();
        Optional<YamlCursor> specAt = fields.optional("spec");
        if (specAt.isPresent()) {
            YamlCursor.Fields spec = specAt.get().fields("disabled", "trustAnchors", "mqtt", "apiKeys");
            disabled = flag(spec.optional("disabled"));
            Map<X509Certificate, YamlCursor> anchorsAt = new HashMap<>();
            for (YamlCursor entry : listOf(spec.optional("trustAnchors"))) {
                YamlCursor certificateAt = entry.fields("certificate").required("certificate");
                X509Certificate anchor = certificate(certificateAt);
                YamlCursor first = anchorsAt.putIfAbsent(anchor, certificateAt);
                if (first != null) {
                    throw certificateAt.error("duplicate trust anchor (first at line " + first.at().line() + ")");
                }
                trustAnchors.add(anchor);
            }
            Optional<YamlCursor> mqttAt = spec.optional("mqtt");
            if (mqttAt.isPresent()) {
                mqtt = applicationMqtt(mqttAt.get());
            }
            Map<String, YamlCursor> keyNamesAt = new HashMap<>();
            for (YamlCursor entry : listOf(spec.optional("apiKeys"))) {
                YamlCursor.Fields key = entry.fields("name", "key");
                YamlCursor keyNameAt = key.required("name");
                String keyName = keyNameAt.name();
                if (keyName.contains("@") || keyName.contains(":")) {
                    throw keyNameAt.error("must not contain '@' or ':' (backends log in as name@application,"
                            + " tokens are name@application:key)");
                }
                YamlCursor first = keyNamesAt.putIfAbsent(keyName, keyNameAt);
                if (first != null) {
                    throw keyNameAt.error("duplicate API key name (first at line " + first.at().line() + ")");
                }
                apiKeys.add(new Application.ApiKey(keyName, secret(key.required("key"))));
            }
        }
        return new ParsedApplication(new Application(name, disabled, trustAnchors, mqtt, apiKeys), nameAt);
    }

    private static ApplicationMqtt applicationMqtt(YamlCursor value) throws RegistryException {
        YamlCursor.Fields fields = value.fields("dialect", "offlineThreshold", "takeover", "maxConnections",
                "maxPayloadSize", "rateLimit");
        Optional<YamlCursor> dialectAt = fields.optional("dialect");
        Optional<YamlCursor> thresholdAt = fields.optional("offlineThreshold");
        Optional<YamlCursor> takeoverAt = fields.optional("takeover");
        Optional<YamlCursor> connectionsAt = fields.optional("maxConnections");
        Optional<YamlCursor> payloadAt = fields.optional("maxPayloadSize");
        Optional<YamlCursor> rateAt = fields.optional("rateLimit");
        ApplicationMqtt defaults = ApplicationMqtt.DEFAULTS;
        return new ApplicationMqtt(
                dialectAt.isPresent() ? dialect(dialectAt.get()) : defaults.dialect(),
                thresholdAt.isPresent() ? duration(thresholdAt.get()) : defaults.offlineThreshold(),
                takeoverAt.isPresent() ? takeover(takeoverAt.get()) : defaults.takeover(),
                connectionsAt.isPresent() ? (int) connectionsAt.get().positive(Integer.MAX_VALUE)
                        : defaults.maxConnections(),
                payloadAt.isPresent() ? (int) payloadAt.get().positive(MAX_PAYLOAD_SIZE) : defaults.maxPayloadSize(),
                rateAt.isPresent() ? Optional.of(rateLimit(rateAt.get())) : Optional.empty());
    }

    private static ApplicationMqtt.RateLimit rateLimit(YamlCursor value) throws RegistryException {
        YamlCursor.Fields fields = value.fields("messagesPerSecond", "bytesPerSecond");
        Optional<YamlCursor> messagesAt = fields.optional("messagesPerSecond");
        Optional<YamlCursor> bytesAt = fields.optional("bytesPerSecond");
        if (messagesAt.isEmpty() && bytesAt.isEmpty()) {
            throw value.error("set messagesPerSecond, bytesPerSecond or both");
        }
        return new ApplicationMqtt.RateLimit(
                messagesAt.isPresent() ? messagesAt.get().positive(MAX_RATE) : MAX_RATE,
                bytesAt.isPresent() ? bytesAt.get().positive(MAX_RATE) : MAX_RATE);
    }

    private static Dialect dialect(YamlCursor value) throws RegistryException {
        if (value.isString()) {
            switch (value.string()) {
                case "drogue/v1":
                    return Dialect.DROGUE_V1;
                case "plainTopic":
                    return new Dialect.PlainTopic(false);
                case "template":
                    throw value.error("a template dialect is a mapping:"
                            + " { type: template, publish: [ ... ], commands: ... }");
                default:
                    throw value.error("unknown dialect; expected " + DIALECT_TYPES);
            }
        }
        if (!value.isMap()) {
            throw value.error("expected drogue/v1, plainTopic or a mapping with a type");
        }
        YamlCursor typeAt = value.fields("type", "devicePrefix", "publish", "commands").required("type");
        String type = typeAt.name();
        switch (type) {
            case "drogue/v1":
                value.fields(List.of("type"), "for type drogue/v1");
                return Dialect.DROGUE_V1;
            case "plainTopic": {
                YamlCursor.Fields fields = value.fields(List.of("type", "devicePrefix"), "for type plainTopic");
                return new Dialect.PlainTopic(flag(fields.optional("devicePrefix")));
            }
            case "template":
                return template(value.fields(List.of("type", "publish", "commands"), "for type template"));
            default:
                throw typeAt.error("unknown dialect type; expected " + DIALECT_TYPES);
        }
    }

    private static Dialect.Template template(YamlCursor.Fields fields) throws RegistryException {
        YamlCursor publishAt = fields.required("publish");
        List<YamlCursor> items = publishAt.list();
        if (items.isEmpty()) {
            throw publishAt.error("needs at least one publish pattern");
        }
        List<Dialect.Template.PublishPattern> publish = new ArrayList<>(items.size());
        for (YamlCursor item : items) {
            publish.add(publishPattern(item));
        }
        YamlCursor commandsAt = fields.required("commands");
        TopicTemplate commands = topicTemplate(commandsAt);
        try {
            Dialect.Template.checkCommands(commands);
        } catch (IllegalArgumentException e) {
            throw commandsAt.error(e.getMessage());
        }
        return new Dialect.Template(publish, commands);
    }

    private static Dialect.Template.PublishPattern publishPattern(YamlCursor item) throws RegistryException {
        if (!item.isMap() && !item.isString()) {
            throw item.error("expected a topic template or { topic: ..., channel: ... }");
        }
        YamlCursor.Fields fields = item.isMap() ? item.fields("topic", "channel") : null;
        YamlCursor topicAt = fields == null ? item : fields.required("topic");
        TopicTemplate topic = topicTemplate(topicAt);
        Optional<YamlCursor> channelAt = fields == null ? Optional.empty() : fields.optional("channel");
        String channel = null;
        if (channelAt.isPresent()) {
            channel = channelAt.get().name();
            if (topic.has(TopicTemplate.CHANNEL)) {
                throw channelAt.get().error("the topic has a {channel} level; use either it or a fixed channel,"
                        + " not both");
            }
        }
        try {
            return new Dialect.Template.PublishPattern(topic, channel);
        } catch (IllegalArgumentException e) {
            throw topicAt.error(e.getMessage());
        }
    }

    private static TopicTemplate topicTemplate(YamlCursor value) throws RegistryException {
        String text = value.string();
        try {
            return TopicTemplate.parse(text);
        } catch (IllegalArgumentException e) {
            throw value.error(e.getMessage());
        }
    }

    private static Duration duration(YamlCursor value) throws RegistryException {
        if (!value.isString()) {
            throw value.error(value.isNumber() ? DURATION_SHAPE + " (a number needs a unit)" : DURATION_SHAPE);
        }
        Matcher matcher = DURATION.matcher(value.string());
        if (!matcher.matches()) {
            throw value.error(DURATION_SHAPE);
        }
        long amount = Long.parseLong(matcher.group(1));
        Duration duration = switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        if (duration.isZero()) {
            throw value.error("must be positive");
        }
        return duration;
    }

    private static Takeover takeover(YamlCursor value) throws RegistryException {
        switch (value.string()) {
            case "replace":
                return Takeover.REPLACE;
            case "reject":
                return Takeover.REJECT;
            default:
                throw value.error("expected replace or reject");
        }
    }

    /** Exactly one PEM-encoded X.509 certificate, nothing but whitespace around it. */
    private static X509Certificate certificate(YamlCursor value) throws RegistryException {
        String text = value.string();
        Matcher pem = PEM_CERTIFICATE.matcher(text);
        if (!pem.matches()) {
            int blocks = text.split("-----BEGIN CERTIFICATE-----", -1).length - 1;
            throw value.error(blocks > 1
                    ? "holds " + blocks + " certificates; put each in its own trustAnchors entry"
                    : "expected one PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)"
                    + " and nothing else");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.group(1));
        } catch (IllegalArgumentException e) {
            throw value.error("invalid base64 in the PEM certificate");
        }
        try {
            Certificate certificate = CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            if (certificate instanceof X509Certificate x509 && Arrays.equals(x509.getEncoded(), der)) {
                return x509;
            }
        } catch (CertificateException | RuntimeException e) {
            // reported below, without the parser's message (it may quote the content)
        }
        throw value.error("not a valid X.509 certificate (DER encoding)");
    }

    /** A device with the cursors of the values checked across devices. */
    private record ParsedDevice(Device device, YamlCursor nameAt, YamlCursor applicationAt,
                                List<YamlCursor> aliasesAt, List<YamlCursor> uniqueUsernamesAt) {
    }

    private static ParsedDevice device(YamlCursor item) throws RegistryException {
        YamlCursor.Fields fields = item.fields("metadata", "spec");
        YamlCursor.Fields metadata = fields.required("metadata").fields("name", "application");
        YamlCursor nameAt = metadata.required("name");
        YamlCursor applicationAt = metadata.required("application");
        String name = nameAt.name();
        String application = applicationAt.name();

        boolean disabled = false;
        List<Credential> credentials = new ArrayList<>();
        List<YamlCursor> uniqueUsernamesAt = new ArrayList<>();
        List<YamlCursor> aliasesAt = new ArrayList<>();
        LinkedHashSet<String> aliases = new LinkedHashSet<>();
        LinkedHashSet<String> gateways = new LinkedHashSet<>();
        Optional<Dialect> dialect = Optional.empty();
        Optional<YamlCursor> specAt = fields.optional("spec");
        if (specAt.isPresent()) {
            YamlCursor.Fields spec = specAt.get()
                    .fields("authentication", "alias", "gatewaySelector", "disabled", "mqtt");
            disabled = flag(spec.optional("disabled"));
            Optional<YamlCursor> authentication = spec.optional("authentication");
            if (authentication.isPresent()) {
                for (YamlCursor entry : listOf(authentication.get().fields("credentials").optional("credentials"))) {
                    credentials.add(credential(entry, uniqueUsernamesAt));
                }
            }
            for (YamlCursor alias : listOf(spec.optional("alias"))) {
                aliases.add(alias.name());
                aliasesAt.add(alias);
            }
            Optional<YamlCursor> selector = spec.optional("gatewaySelector");
            if (selector.isPresent()) {
                for (YamlCursor gateway : listOf(selector.get().fields("matchNames").optional("matchNames"))) {
                    gateways.add(gateway.name());
                }
            }
            Optional<YamlCursor> mqttAt = spec.optional("mqtt");
            if (mqttAt.isPresent()) {
                Optional<YamlCursor> dialectAt = mqttAt.get()
                        .fields(List.of("dialect"), "offlineThreshold and takeover are application settings")
                        .optional("dialect");
                if (dialectAt.isPresent()) {
                    dialect = Optional.of(dialect(dialectAt.get()));
                }
            }
        }
        Device device = new Device(application, name, disabled, credentials, List.copyOf(aliases), gateways,
                dialect);
        return new ParsedDevice(device, nameAt, applicationAt, aliasesAt, uniqueUsernamesAt);
    }

    private static Credential credential(YamlCursor entry, List<YamlCursor> uniqueUsernamesAt)
            throws RegistryException {
        YamlCursor.Fields fields = entry.fields("pass", "user", "psk");
        List<String> kinds = fields.present();
        if (kinds.size() != 1) {
            throw entry.error("expected exactly one of pass, user, psk");
        }
        YamlCursor value = fields.required(kinds.get(0));
        switch (kinds.get(0)) {
            case "pass":
                return new Credential.Password(secret(value));
            case "user": {
                YamlCursor.Fields user = value.fields("username", "password", "unique");
                YamlCursor usernameAt = user.required("username");
                String username = usernameAt.name();
                Secret password = secret(user.required("password"));
                boolean unique = flag(user.optional("unique"));
                if (unique) {
                    uniqueUsernamesAt.add(usernameAt);
                }
                return new Credential.User(username, password, unique);
            }
            default:
                return preSharedKey(value);
        }
    }

    private static Secret secret(YamlCursor value) throws RegistryException {
        if (value.isString()) {
            return new Secret.Plain(nonEmptySecret(value));
        }
        if (!value.isMap()) {
            throw value.error(value.isNumber() ? SECRET_SHAPE + " (quote a number to use it as a password)"
                    : SECRET_SHAPE);
        }
        YamlCursor.Fields fields = value.fields("bcrypt", "plain");
        List<String> kinds = fields.present();
        if (kinds.size() != 1) {
            throw value.error(SECRET_SHAPE);
        }
        YamlCursor secret = fields.required(kinds.get(0));
        if (kinds.get(0).equals("plain")) {
            return new Secret.Plain(nonEmptySecret(secret));
        }
        String hash = secret.string();
        if (!BCRYPT.matcher(hash).matches()) {
            throw secret.error("expected a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 60 characters)");
        }
        return new Secret.Bcrypt(hash);
    }

    private static String nonEmptySecret(YamlCursor value) throws RegistryException {
        String secret = value.string();
        if (secret.isEmpty()) {
            throw value.error("must not be empty");
        }
        return secret;
    }

    private static Credential preSharedKey(YamlCursor value) throws RegistryException {
        YamlCursor.Fields fields = value.fields("key", "validity");
        YamlCursor keyAt = fields.required("key");
        byte[] key;
        try {
            key = Base64.getDecoder().decode(keyAt.string());
        } catch (IllegalArgumentException e) {
            throw keyAt.error("expected base64 (RFC 4648, standard alphabet, with padding)");
        }
        if (key.length == 0) {
            throw keyAt.error("must not be empty");
        }
        Instant notBefore = null;
        Instant notAfter = null;
        Optional<YamlCursor> validity = fields.optional("validity");
        if (validity.isPresent()) {
            YamlCursor.Fields window = validity.get().fields("notBefore", "notAfter");
            Optional<YamlCursor> notBeforeAt = window.optional("notBefore");
            Optional<YamlCursor> notAfterAt = window.optional("notAfter");
            notBefore = notBeforeAt.isPresent() ? instant(notBeforeAt.get()) : null;
            notAfter = notAfterAt.isPresent() ? instant(notAfterAt.get()) : null;
            if (notBefore != null && notAfter != null && notAfter.isBefore(notBefore)) {
                throw notAfterAt.get().error("is before notBefore");
            }
        }
        return new Credential.PreSharedKey(key, notBefore, notAfter);
    }

    private static Instant instant(YamlCursor value) throws RegistryException {
        String text = value.isString() ? value.string() : "";
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw value.error("expected an RFC 3339 timestamp such as 2024-01-01T00:00:00Z");
        }
    }

    private static boolean flag(Optional<YamlCursor> value) throws RegistryException {
        return value.isPresent() && value.get().bool();
    }

    private static List<YamlCursor> listOf(Optional<YamlCursor> value) throws RegistryException {
        return value.isPresent() ? value.get().list() : List.of();
    }
}
