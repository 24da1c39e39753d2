/**
 * Word lists that steer the detectors. Everything is lower-case and kept in Sets so each lookup is O(1).
 * These lists are the product: they decide which capitalised words are names and which clinical
 * look-alikes (eponyms, drugs, anatomy) must survive de-identification.
 */

const set = (words: string): ReadonlySet<string> => new Set(words.trim().split(/\s+/));

/** Honorifics and role titles that introduce a person's name. */
export const TITLES = set(`
dr doctor mr mrs ms miss mx prof professor sir madam nurse rn np pa rev reverend fr father sister brother
`);

/** Titles that are also ordinary words; they cue a name only when followed by a period ("Fr. Smith"). */
export const DOTTED_ONLY_TITLES = set(`sister brother father fr rn np pa nurse`);

/** Credentials written after a clinician's name ("Jane Doe, MD"). */
export const CLINICIAN_SUFFIXES = set(`
md do rn np pa pa-c phd mph msn bsn dnp cnm crna lpn mba dds dmd pharmd od dpm lcsw facs facp jr sr ii iii iv
`);

/** Relationship nouns that are followed by a relative's or contact's name ("his daughter Maria"). */
export const RELATION_WORDS = set(`
wife husband son daughter mother father mom dad brother sister partner spouse friend caregiver niece nephew aunt
uncle grandmother grandfather grandson granddaughter fiance fiancee guardian girlfriend boyfriend cousin
stepson stepdaughter stepmother stepfather roommate neighbor neighbour sibling
`);

/** Field labels and verbs after which a capitalised sequence is a person ("Patient: Ann Lee", "seen by Kim"). */
export const NAME_CUE_WORDS = set(`
patient pt name attending pcp resident fellow intern surgeon physician provider referring referred signed
dictated cosigned cc contact proxy nok informant interpreter by per with
`);

/**
 * Capitalised words that the Census lists contain but that are, in clinical text, far more often ordinary
 * words, clinical terms or places. Dictionary-only evidence never turns these into names; titles and other
 * strong cues still do ("Dr. Will Long" is a name).
 */
export const NOT_NAMES = set(`
a an the and or but if of in on at to for from by with as is it its this that these those he she his her him
they them their we our you your i me my mine no not yes none all any some each every both either neither
patient pt name date time day days week weeks month months year years today tomorrow yesterday am pm
will may june april august march january february july september october november december jan feb mar apr
jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri
sat sun spring summer autumn fall winter christmas easter
grace hope faith joy charity patience prudence constance honor verity mercy chastity unity trinity destiny
rose lily iris violet daisy ivy holly hazel olive pearl ruby amber crystal jewel jade coral opal ginger
dawn eve sky rain storm river brook forest heather fern willow laurel sage basil
art bill frank mark pat sue don guy ray chase hunter page rich bob will won sunny sandy rusty
bud buck chip dusty kit miles sterling ward young king long hall hill field rice price bell wood woods brown green white black gray grey
major minor general chief judge dean earl duke baron lord bishop pope saint
driver drivers license licence medical record number dob mrn ssn sex gender age race case care cure home address phone fax email contact social family vitals objective subjective
hpi ros pmh psh meds allergies labs imaging assessment impression plan signed
case care cure health clinic hospital center centre unit floor room bed ward labs lab
normal stable acute chronic left right bilateral anterior posterior lateral medial upper lower mild moderate
severe positive negative history exam plan assessment impression diagnosis diagnoses note notes report
admission admitted discharge discharged follow followup return returned denies reports states noted
blood pressure heart lung lungs chest abdomen head neck back skin eyes ears nose throat
tylenol percocet norco vicodin motrin advil aleve lasix coumadin plavix lipitor zocor norvasc toprol
lopressor xanax ativan valium ambien zoloft prozac lexapro celexa paxil wellbutrin seroquel haldol
keflex cipro levaquin augmentin bactrim zosyn flagyl vanco vancomycin heparin lovenox insulin lantus
humalog metformin glucophage synthroid prednisone medrol solumedrol decadron albuterol proventil
ventolin advair symbicort spiriva flonase zyrtec claritin benadryl pepcid zantac prilosec nexium protonix
miralax colace senna dulcolax zofran reglan phenergan morphine dilaudid fentanyl oxycodone tramadol
neurontin lyrica keppra dilantin depakote lamictal tegretol aricept namenda sinemet requip mirapex
ace arb nsaid nsaids ekg ecg eeg emg mri ct cxr kub cbc bmp cmp tsh inr ptt bnp abg ua
emergency department er ed icu micu sicu ccu nicu picu pacu or ob gyn ent gi pt ot slp
mg mcg ml kg cm mm bp hr rr spo2 temp wt ht bmi
north south east west northern southern eastern western new old saint st mount mt fort port lake
medicine surgery cardiology neurology oncology psychiatry pediatrics radiology pathology dermatology
nephrology urology orthopedics gastroenterology pulmonology endocrinology rheumatology hematology
`);

/**
 * Surnames that name diseases, signs, scores and devices. On their own (no title, no first name) they are
 * treated as clinical vocabulary so "Parkinson's disease" or "Apgar 8/9" survive.
 */
export const EPONYMS = set(`
parkinson parkinsons alzheimer alzheimers hodgkin hodgkins apgar bell bells crohn crohns cushing cushings
addison addisons graves hashimoto hashimotos down downs tourette tourettes huntington huntingtons wilson
wilsons marfan marfans kaposi kaposis guillain barre raynaud raynauds sjogren sjogrens asperger aspergers
epstein barr glasgow babinski kernig brudzinski mcburney homan homans romberg tinel phalen lachman
trendelenburg valsalva foley swan ganz whipple nissen roux billroth hartmann colles wernicke korsakoff
creutzfeldt jakob meniere menieres lyme paget pagets peyronie dupuytren legg calve perthes osgood schlatter
bowen buerger burkitt burkitts ewing ewings wilms hirschsprung kawasaki reye tay sachs klinefelter fallot
brugada mobitz wenckebach cheyne stokes kussmaul korotkoff virchow virchows rovsing chvostek trousseau
gleason breslow karnofsky ranson killip braden mallampati cormack lehane snellen rinne heimlich epley
hallpike ortolani moro doppler holter gram papanicolaou westergren coombs ziehl neelsen giemsa kleihauer
betke bence lewy zollinger ellison sheehan kallmann prader willi angelman rett noonan alport fanconi
bartter gitelman liddle crigler najjar dubin budd chiari dandy meckel meckels zenker zenkers barrett
barretts boerhaave plummer vinson schatzki takayasu behcet kawasaki bruton digeorge wiskott aldrich
goodpasture wegener churg strauss henoch schonlein sezary hurthle kupffer langerhans purkinje schwann
broca brocas wernickes horner horners bouchard heberden osler janeway roth austin flint charcot marie
tooth duchenne becker pompe gaucher fabry niemann krabbe hunter hurler sanfilippo morquio cori mcardle
`);

/** Words after an eponym that make it a clinical term ("Bell's palsy", "Hodgkin lymphoma", "Apgar score"). */
export const EPONYM_HEADS = set(`
disease diseases syndrome syndromes sign signs palsy lymphoma lymphomas sarcoma score scores scale scales
test tests maneuver manoeuvre reflex reflexes criteria classification fracture operation procedure tumor
tumour ulcer node nodes cyst cysts phenomenon triad method position catheter tube disorder dementia
disorders ataxia anemia anaemia esophagus oesophagus diverticulum stage stages grade grading index law
rule rules nodule nodules thyroiditis encephalopathy arthropathy contracture bodies body cells cell
pouch repair fundoplication stain staining type types block blocks count equation respiration
respirations murmur sounds stockings protein proteins drain drains tear tears lesion lesions
spots spot line lines pearls
`);

/** Full month names and abbreviations, lower-case, mapped to month numbers. */
export const MONTHS: ReadonlyMap<string, number> = new Map([
  ["january", 1],
  ["jan", 1],
  ["february", 2],
  ["feb", 2],
  ["march", 3],
  ["mar", 3],
  ["april", 4],
  ["apr", 4],
  ["may", 5],
  ["june", 6],
  ["jun", 6],
  ["july", 7],
  ["jul", 7],
  ["august", 8],
  ["aug", 8],
  ["september", 9],
  ["sep", 9],
  ["sept", 9],
  ["october", 10],
  ["oct", 10],
  ["november", 11],
  ["nov", 11],
  ["december", 12],
  ["dec", 12],
]);

/** US states and territories (names and USPS codes). States are not PHI; they anchor "City, ST 02115". */
export const US_STATE_CODES = set(`
AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK
OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP
`);

export const US_STATE_NAMES = set(`
alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho
illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi
missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia
washington wisconsin wyoming
`);

/**
 * Three-digit ZIP prefixes whose geographic unit has 20,000 people or fewer (HHS Safe Harbor guidance,
 * based on 2000 Census data); these must become 000.
 */
export const RESTRICTED_ZIP3 = set(`036 059 063 102 203 556 692 790 821 823 830 831 878 879 884 890 893`);

/** Words that make a facility phrase generic ("the General Hospital", "Cardiology Clinic", "our clinic"). */
export const GENERIC_PLACE_WORDS = set(`
the a an this that our your his her their its community general regional local nearest nearby outside another
other same new old main state county city university memorial children women men veterans va emergency
department medicine surgery cardiology neurology oncology psychiatry pediatrics radiology pathology
dermatology nephrology urology orthopedics gastroenterology pulmonology endocrinology rheumatology hematology
primary care walk-in urgent outpatient inpatient family internal pain sleep wound eye dental diabetes
anticoagulation infusion dialysis transplant rehab rehabilitation behavioral mental health
`);

/** Head words of a department or service phrase; with generic words only, the phrase names no place. */
export const GENERIC_FACILITY_HEADS = set(`
clinic clinics hospital center centre department dept unit units service services ward office practice
program team floor room suite lab laboratory
`);
