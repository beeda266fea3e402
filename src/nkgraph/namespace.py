"""Our own IRIs, in one closed namespace (generated: do not edit by hand).

``NK`` holds every term of ``ontology/nkgraph.ttl``; a typo such as ``NK.holdr``
raises ``AttributeError`` instead of minting a new IRI. Regenerate with
``python -m nkgraph.devtools namespace``.

>>> str(NK.Claim)
'https://w3id.org/nkgraph/ontology#Claim'
"""

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

from nkgraph.prefixes import PREFIXES as _PREFIXES


class NK(DefinedNamespace):
    """The nkgraph ontology: classes, properties and concept individuals."""

    _NS = Namespace("https://w3id.org/nkgraph/ontology#")
    _fail = True

    Acquired: URIRef
    Acquisition: URIRef
    Announcement: URIRef
    Approximate: URIRef
    Area: URIRef
    Asserted: URIRef
    Attempted: URIRef
    Canceled: URIRef
    CellFragment: URIRef
    CementPlant: URIRef
    CentralBank: URIRef
    Chapter: URIRef
    City: URIRef
    Claim: URIRef
    Commodity: URIRef
    CommodityForm: URIRef
    Company: URIRef
    Completed: URIRef
    Completion: URIRef
    Country: URIRef
    County: URIRef
    Dam: URIRef
    Deal: URIRef
    DealKind: URIRef
    DealKindScheme: URIRef
    Declaration: URIRef
    Deposit: URIRef
    Discovery: URIRef
    Economy: URIRef
    EquityStake: URIRef
    Estimated: URIRef
    Event: URIRef
    Expected: URIRef
    Facility: URIRef
    Factory: URIRef
    Failed: URIRef
    Flood: URIRef
    Forecast: URIRef
    GovernmentBody: URIRef
    HeadingText: URIRef
    IndustrialGroup: URIRef
    IndustrialZone: URIRef
    IronAndSteelWorks: URIRef
    JointStudy: URIRef
    JointVentureAgreement: URIRef
    JointVentureCompany: URIRef
    LetterOfIntent: URIRef
    LoanRepayment: URIRef
    MilitaryEvent: URIRef
    Mine: URIRef
    MiningComplex: URIRef
    MiningRight: URIRef
    Ministry: URIRef
    Modality: URIRef
    ModalityScheme: URIRef
    NameAttestation: URIRef
    NewsPublisher: URIRef
    NonFactText: URIRef
    Organization: URIRef
    PageFurniture: URIRef
    Person: URIRef
    Place: URIRef
    Planned: URIRef
    PlannedStatus: URIRef
    Port: URIRef
    PowerStation: URIRef
    PrivateCompany: URIRef
    ProductionSeries: URIRef
    Proposed: URIRef
    Province: URIRef
    Quantity: URIRef
    Quarry: URIRef
    Railway: URIRef
    Reference: URIRef
    Refinery: URIRef
    Renovation: URIRef
    Reported: URIRef
    ReportingHop: URIRef
    ResearchInstitute: URIRef
    Section: URIRef
    Sector: URIRef
    Shipment: URIRef
    Shutdown: URIRef
    Signed: URIRef
    Smelter: URIRef
    SourceText: URIRef
    StateEnterprise: URIRef
    Status: URIRef
    StatusScheme: URIRef
    Summit: URIRef
    Swap: URIRef
    TableFurniture: URIRef
    TableRow: URIRef
    Talks: URIRef
    TechnicalAssistance: URIRef
    TradeFlow: URIRef
    UnderNegotiation: URIRef
    Unit: URIRef
    UnnamedSource: URIRef
    WaterBody: URIRef
    about: URIRef
    accessVerb: URIRef
    accessed: URIRef
    agent: URIRef
    amount: URIRef
    annualCapacity: URIRef
    annualProduction: URIRef
    approximate: URIRef
    asset: URIRef
    attests: URIRef
    attribution: URIRef
    authorAsPrinted: URIRef
    basedIn: URIRef
    bound: URIRef
    budgetChange: URIRef
    canonicalUnit: URIRef
    canonicalValue: URIRef
    cargo: URIRef
    cause: URIRef
    causeText: URIRef
    citation: URIRef
    citationLabel: URIRef
    commodity: URIRef
    commodityQualifier: URIRef
    conflictNote: URIRef
    conflictsWith: URIRef
    connectsTo: URIRef
    containerTitle: URIRef
    conversionFactor: URIRef
    cost: URIRef
    count: URIRef
    country: URIRef
    covers: URIRef
    date: URIRef
    dateQualifier: URIRef
    dealKind: URIRef
    description: URIRef
    destination: URIRef
    disputed: URIRef
    distance: URIRef
    distanceTo: URIRef
    duration: URIRef
    economyOf: URIRef
    endDate: URIRef
    endLine: URIRef
    entryText: URIRef
    estimated: URIRef
    eventKindNote: URIRef
    exporter: URIRef
    exports: URIRef
    footnote: URIRef
    form: URIRef
    gdpGrowth: URIRef
    hasIdentifiedResource: URIRef
    heading: URIRef
    hedge: URIRef
    holder: URIRef
    importer: URIRef
    imports: URIRef
    inExchangeFor: URIRef
    inSection: URIRef
    inTable: URIRef
    investsIn: URIRef
    joinedVentureIn: URIRef
    language: URIRef
    listed: URIRef
    locatedIn: URIRef
    location: URIRef
    manages: URIRef
    maxValue: URIRef
    minValue: URIRef
    modality: URIRef
    nameNote: URIRef
    near: URIRef
    numericValue: URIRef
    occurrence: URIRef
    operator: URIRef
    order: URIRef
    origin: URIRef
    owner: URIRef
    ownerType: URIRef
    page: URIRef
    pages: URIRef
    partOf: URIRef
    partOfDeal: URIRef
    participant: URIRef
    partner: URIRef
    party: URIRef
    passage: URIRef
    path: URIRef
    percentage: URIRef
    pinpoint: URIRef
    placeOfPublication: URIRef
    position: URIRef
    produces: URIRef
    productionChange: URIRef
    publicationDateAsPrinted: URIRef
    purpose: URIRef
    qualifier: URIRef
    quantity: URIRef
    quote: URIRef
    rank: URIRef
    reason: URIRef
    reportNumber: URIRef
    reportingVerb: URIRef
    reserves: URIRef
    revised: URIRef
    sectionPath: URIRef
    sector: URIRef
    sectorGrowth: URIRef
    sectorShareOfGDP: URIRef
    seriesLabel: URIRef
    sha256: URIRef
    shareOfNationalOutput: URIRef
    spelling: URIRef
    stake: URIRef
    startDate: URIRef
    startLine: URIRef
    statedIn: URIRef
    statement: URIRef
    status: URIRef
    symbol: URIRef
    termYears: URIRef
    textAnchor: URIRef
    title: URIRef
    topic: URIRef
    tradeChange: URIRef
    uncited: URIRef
    unit: URIRef
    unitAsPrinted: URIRef
    urlAsPrinted: URIRef
    urlMalformed: URIRef
    urlProblem: URIRef
    value: URIRef
    valueAsPrinted: URIRef
    yearLabel: URIRef
    zero: URIRef


#: Namespace of data individuals (mines, companies, claims...): ``NKD["hyesan-youth-copper-mine"]``.
NKD = Namespace("https://w3id.org/nkgraph/id/")
#: IRI of the ontology itself.
ONTOLOGY_IRI = URIRef("https://w3id.org/nkgraph/ontology")
#: Namespace of our SHACL shapes.
NKSHAPE = Namespace("https://w3id.org/nkgraph/shapes#")

# Standard vocabularies rdflib does not ship.
CITO = Namespace("http://purl.org/spar/cito/")
FABIO = Namespace("http://purl.org/spar/fabio/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
OA = Namespace("http://www.w3.org/ns/oa#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
CUR = Namespace("http://qudt.org/vocab/currency/")
VANN = Namespace("http://purl.org/vocab/vann/")

#: Prefixes bound in every graph nkgraph writes (defined without rdflib in nkgraph.prefixes).
PREFIXES = _PREFIXES
