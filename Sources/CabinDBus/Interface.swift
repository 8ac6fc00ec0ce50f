/// An annotation on an interface, member or argument, such as
/// `org.freedesktop.DBus.Deprecated = true`.
public struct DBusAnnotation: Hashable, Sendable {
  /// The annotation's name.
  public var name: String
  /// The annotation's value.
  public var value: String

  /// Creates an annotation.
  public init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }

  /// Marks a member as deprecated.
  public static let deprecated = DBusAnnotation("org.freedesktop.DBus.Deprecated", "true")
  /// Marks a method whose caller should not expect a reply.
  public static let noReply = DBusAnnotation("org.freedesktop.DBus.Method.NoReply", "true")
}

/// A named, typed argument of a method or signal.
public struct DBusArgument: Hashable, Sendable {
  /// The argument's name as shown in introspection.
  public var name: String
  /// The argument's type.
  public var type: DBusType

  /// Creates an argument.
  public init(_ name: String, _ type: DBusType) {
    self.name = name
    self.type = type
  }
}

/// Who may read or write a property.
public enum DBusPropertyAccess: String, Hashable, Sendable {
  /// Readable only.
  case read
  /// Writable only.
  case write
  /// Readable and writable.
  case readWrite = "readwrite"

  var isReadable: Bool { self != .write }
  var isWritable: Bool { self != .read }
}

/// How clients learn that a property changed
/// (`org.freedesktop.DBus.Property.EmitsChangedSignal`).
public enum DBusPropertyChange: String, Hashable, Sendable {
  /// `PropertiesChanged` carries the new value.
  case emits = "true"
  /// `PropertiesChanged` lists the property as invalidated, without its value.
  case invalidates
  /// The value never changes while the object exists.
  case const
  /// No signal is sent; clients must poll.
  case none = "false"
}

/// The shape of a method: what a caller sends and what it gets back.
public struct DBusMethodDescription: Hashable, Sendable {
  /// The method's name.
  public var name: MemberName
  /// The input arguments.
  public var inputs: [DBusArgument]
  /// The output arguments.
  public var outputs: [DBusArgument]
  /// One or two sentences for integrators, shown as a comment in the introspection XML.
  public var documentation: String
  /// Annotations.
  public var annotations: [DBusAnnotation]

  /// The signature the method accepts.
  public var inputSignature: Signature { Signature(types: inputs.map(\.type)) }
  /// The signature the method returns.
  public var outputSignature: Signature { Signature(types: outputs.map(\.type)) }
}

/// The shape of a property.
public struct DBusPropertyDescription: Hashable, Sendable {
  /// The property's name.
  public var name: MemberName
  /// The property's type.
  public var type: DBusType
  /// Who may read or write it.
  public var access: DBusPropertyAccess
  /// How changes are announced.
  public var change: DBusPropertyChange
  /// One or two sentences for integrators.
  public var documentation: String
  /// Annotations besides the change behaviour.
  public var annotations: [DBusAnnotation]
}

/// The shape of a signal.
public struct DBusSignalDescription: Hashable, Sendable {
  /// The signal's name.
  public var name: MemberName
  /// The signal's arguments.
  public var arguments: [DBusArgument]
  /// One or two sentences for integrators.
  public var documentation: String
  /// Annotations.
  public var annotations: [DBusAnnotation]

  /// The signature the signal carries.
  public var signature: Signature { Signature(types: arguments.map(\.type)) }
}

/// The shape of an interface: the one description from which dispatch, introspection XML and
/// client-side checks are derived.
public struct DBusInterfaceDescription: Hashable, Sendable {
  /// The interface's name.
  public var name: InterfaceName
  /// Its methods.
  public var methods: [DBusMethodDescription]
  /// Its properties.
  public var properties: [DBusPropertyDescription]
  /// Its signals.
  public var signals: [DBusSignalDescription]
  /// One or two sentences for integrators.
  public var documentation: String
  /// Annotations.
  public var annotations: [DBusAnnotation]

  /// Creates a description.
  public init(
    name: InterfaceName, documentation: String = "", methods: [DBusMethodDescription] = [],
    properties: [DBusPropertyDescription] = [], signals: [DBusSignalDescription] = [],
    annotations: [DBusAnnotation] = []
  ) {
    self.name = name
    self.documentation = documentation
    self.methods = methods
    self.properties = properties
    self.signals = signals
    self.annotations = annotations
  }

  /// The method with this name.
  public func method(_ name: MemberName) -> DBusMethodDescription? {
    methods.first { $0.name == name }
  }

  /// The property with this name.
  public func property(_ name: MemberName) -> DBusPropertyDescription? {
    properties.first { $0.name == name }
  }

  /// The signal with this name.
  public func signal(_ name: MemberName) -> DBusSignalDescription? {
    signals.first { $0.name == name }
  }
}

// MARK: Introspection XML

/// Writes introspection XML that validates against the specification's DTD
/// (`/usr/share/xml/dbus-1/introspect.dtd`); documentation becomes XML comments.
public enum DBusIntrospection {
  static let header = """
    <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
     "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">

    """

  static func escape(_ text: String) -> String {
    var out = ""
    for c in text {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default: out.append(c)
      }
    }
    return out
  }

  static func comment(_ text: String, indent: String) -> String {
    guard !text.isEmpty else { return "" }
    // "--" may not appear inside an XML comment.
    return "\(indent)<!-- \(text.replacing("--", with: "- -")) -->\n"
  }

  static func annotations(_ list: [DBusAnnotation], indent: String) -> String {
    list.map { "\(indent)<annotation name=\"\(escape($0.name))\" value=\"\(escape($0.value))\"/>\n" }
      .joined()
  }

  static func interface(_ d: DBusInterfaceDescription, indent: String = "  ") -> String {
    let inner = indent + "  "
    var xml = comment(d.documentation, indent: indent)
    xml += "\(indent)<interface name=\"\(d.name)\">\n"
    xml += annotations(d.annotations, indent: inner)
    for m in d.methods {
      xml += comment(m.documentation, indent: inner)
      let args =
        m.inputs.map { "\(inner)  <arg name=\"\(escape($0.name))\" type=\"\($0.type)\" direction=\"in\"/>\n" }
        + m.outputs.map {
          "\(inner)  <arg name=\"\(escape($0.name))\" type=\"\($0.type)\" direction=\"out\"/>\n"
        }
      let body = args.joined() + annotations(m.annotations, indent: inner + "  ")
      xml +=
        body.isEmpty
        ? "\(inner)<method name=\"\(m.name)\"/>\n"
        : "\(inner)<method name=\"\(m.name)\">\n\(body)\(inner)</method>\n"
    }
    for s in d.signals {
      xml += comment(s.documentation, indent: inner)
      let body =
        s.arguments.map { "\(inner)  <arg name=\"\(escape($0.name))\" type=\"\($0.type)\"/>\n" }.joined()
        + annotations(s.annotations, indent: inner + "  ")
      xml +=
        body.isEmpty
        ? "\(inner)<signal name=\"\(s.name)\"/>\n"
        : "\(inner)<signal name=\"\(s.name)\">\n\(body)\(inner)</signal>\n"
    }
    for p in d.properties {
      xml += comment(p.documentation, indent: inner)
      var list = p.annotations
      if p.change != .emits {
        list.insert(
          DBusAnnotation("org.freedesktop.DBus.Property.EmitsChangedSignal", p.change.rawValue), at: 0)
      }
      let open = "\(inner)<property name=\"\(p.name)\" type=\"\(p.type)\" access=\"\(p.access.rawValue)\""
      xml +=
        list.isEmpty
        ? open + "/>\n"
        : open + ">\n" + annotations(list, indent: inner + "  ") + "\(inner)</property>\n"
    }
    xml += "\(indent)</interface>\n"
    return xml
  }

  /// A document with one `<node>` holding `interfaces`, as committed under
  /// `Config/dbus/interfaces/`.
  public static func document(interfaces: [DBusInterfaceDescription]) -> String {
    node(name: nil, interfaces: interfaces, children: [])
  }

  static func node(
    name: String?, interfaces: [DBusInterfaceDescription], children: [String]
  ) -> String {
    var xml = header
    xml += name.map { "<node name=\"\(escape($0))\">\n" } ?? "<node>\n"
    for d in interfaces { xml += interface(d) }
    for child in children { xml += "  <node name=\"\(escape(child))\"/>\n" }
    xml += "</node>\n"
    return xml
  }
}

// MARK: The standard interfaces

extension DBusInterfaceDescription {
  /// `org.freedesktop.DBus.Introspectable`.
  public static let introspectable = DBusInterfaceDescription(
    name: .introspectable,
    methods: [
      DBusMethodDescription(
        name: "Introspect", inputs: [], outputs: [DBusArgument("xml_data", .string)],
        documentation: "", annotations: [])
    ])

  /// `org.freedesktop.DBus.Peer`.
  public static let peer = DBusInterfaceDescription(
    name: .peer,
    methods: [
      DBusMethodDescription(name: "Ping", inputs: [], outputs: [], documentation: "", annotations: []),
      DBusMethodDescription(
        name: "GetMachineId", inputs: [], outputs: [DBusArgument("machine_uuid", .string)],
        documentation: "", annotations: []),
    ])

  /// `org.freedesktop.DBus.Properties`.
  public static let properties = DBusInterfaceDescription(
    name: .properties,
    methods: [
      DBusMethodDescription(
        name: "Get",
        inputs: [DBusArgument("interface_name", .string), DBusArgument("property_name", .string)],
        outputs: [DBusArgument("value", .variant)], documentation: "", annotations: []),
      DBusMethodDescription(
        name: "GetAll", inputs: [DBusArgument("interface_name", .string)],
        outputs: [DBusArgument("props", .dictionary(key: .string, value: .variant))],
        documentation: "", annotations: []),
      DBusMethodDescription(
        name: "Set",
        inputs: [
          DBusArgument("interface_name", .string), DBusArgument("property_name", .string),
          DBusArgument("value", .variant),
        ], outputs: [], documentation: "", annotations: []),
    ],
    signals: [
      DBusSignalDescription(
        name: "PropertiesChanged",
        arguments: [
          DBusArgument("interface_name", .string),
          DBusArgument("changed_properties", .dictionary(key: .string, value: .variant)),
          DBusArgument("invalidated_properties", .array(.string)),
        ], documentation: "", annotations: [])
    ])

  /// `org.freedesktop.DBus.ObjectManager`.
  public static let objectManager = DBusInterfaceDescription(
    name: .objectManager,
    methods: [
      DBusMethodDescription(
        name: "GetManagedObjects", inputs: [],
        outputs: [DBusArgument("object_paths_interfaces_and_properties", managedObjectsType)],
        documentation: "", annotations: [])
    ],
    signals: [
      DBusSignalDescription(
        name: "InterfacesAdded",
        arguments: [
          DBusArgument("object_path", .objectPath),
          DBusArgument("interfaces_and_properties", interfacesAndPropertiesType),
        ], documentation: "", annotations: []),
      DBusSignalDescription(
        name: "InterfacesRemoved",
        arguments: [DBusArgument("object_path", .objectPath), DBusArgument("interfaces", .array(.string))],
        documentation: "", annotations: []),
    ])

  static let interfacesAndPropertiesType = DBusType.dictionary(
    key: .string, value: .dictionary(key: .string, value: .variant))
  static let managedObjectsType = DBusType.dictionary(
    key: .objectPath, value: interfacesAndPropertiesType)
}
